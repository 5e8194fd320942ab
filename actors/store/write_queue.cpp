#include "actors/store/write_queue.hpp"

#include <algorithm>

#include "actors/store/database.hpp"

namespace acepool::store {

void write_queue::put(const actors::engine_record& e) {
  engines_[e.container_id] = {next_seq_++, e};
  bound();
}

void write_queue::put(const actors::stream_record& s) {
  streams_[s.id] = {next_seq_++, s};
  bound();
}

void write_queue::put(const std::string& stream_id, const actors::stats_snapshot& x) {
  stats_.emplace_back(stream_id, x);
  bound();
}

void write_queue::bound() {
  while (size() > max_pending_ && !stats_.empty()) {
    stats_.pop_front();
    ++dropped_.stats_rows;
  }
  while (size() > max_pending_) {
    // The oldest record, stream or engine.
    auto oldest_stream = std::min_element(
        streams_.begin(), streams_.end(),
        [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
    auto oldest_engine = std::min_element(
        engines_.begin(), engines_.end(),
        [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
    bool take_stream = oldest_stream != streams_.end() &&
                       (oldest_engine == engines_.end() ||
                        oldest_stream->second.first < oldest_engine->second.first);
    if (take_stream) {
      dropped_.stream_ids.push_back(oldest_stream->first);
      streams_.erase(oldest_stream);
    } else {
      ++dropped_.engines;
      engines_.erase(oldest_engine);
    }
  }
}

write_queue::outcome write_queue::write_to(database& db) {
  outcome out;
  if (empty()) return out;
  auto fail = [&](std::string why) {
    db.rollback();
    out.error = std::move(why);
    return out;
  };
  if (auto err = db.begin()) return fail(*err);
  for (const auto& [id, e] : engines_)
    if (auto err = db.upsert_engine(e.second)) return fail(*err);
  for (const auto& [id, s] : streams_)
    if (auto err = db.upsert_stream(s.second)) return fail(*err);
  for (const auto& [id, x] : stats_)
    if (auto err = db.insert_stats(id, x)) return fail(*err);
  if (auto err = db.commit()) return fail(*err);
  out.written = size();
  engines_.clear();
  streams_.clear();
  stats_.clear();
  return out;
}

dropped_writes write_queue::take_dropped() {
  auto out = std::move(dropped_);
  dropped_ = {};
  return out;
}

}  // namespace acepool::store
