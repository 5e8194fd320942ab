#include "actors/streams/stream_book.hpp"

#include <algorithm>

namespace acepool::actors {

void stream_book::store(record_ptr r) {
  const auto& s = *r;
  if (!s.ended) active_[{s.started_at, s.id}] = r;
  streams_[s.id] = std::move(r);
}

void stream_book::append_ended(const record_ptr& r) {
  if (ended_.empty() || ended_.back()->size() >= chunk_size) {
    ended_.push_back(std::make_shared<const std::vector<record_ptr>>(1, r));
    return;
  }
  // Chunks are shared with published snapshots: copy the last one (at most chunk_size pointers).
  auto last = std::make_shared<std::vector<record_ptr>>(*ended_.back());
  last->push_back(r);
  ended_.back() = std::move(last);
}

void stream_book::rebuild_ended() {
  std::vector<record_ptr> all;
  for (const auto& [id, r] : streams_)
    if (r->ended) all.push_back(r);
  std::stable_sort(all.begin(), all.end(), [](const record_ptr& a, const record_ptr& b) {
    return a->ended_at.value_or(wall{}) < b->ended_at.value_or(wall{});
  });
  ended_.clear();
  for (const auto& r : all)
    append_ended(r);
}

std::pair<const stream_record*, bool> stream_book::start(stream_record s) {
  if (auto it = streams_.find(s.id); it != streams_.end()) return {it->second.get(), false};
  evict_over_cap();
  auto r = std::make_shared<const stream_record>(std::move(s));
  const auto* raw = r.get();
  if (r->ended) {
    streams_[r->id] = r;
    append_ended(r);
  } else {
    store(std::move(r));
  }
  return {raw, true};
}

// Swappable on purpose: a reason outside end_reasons() is normalized; tests end by id
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
stream_book::end_result stream_book::end(const std::string& id, const std::string& reason,
                                         wall now) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return {};
  if (it->second->ended) return {it->second.get(), false};
  active_.erase({it->second->started_at, id});
  auto copy = std::make_shared<stream_record>(*it->second);
  copy->ended = true;
  copy->ended_at = now;
  copy->end_reason = reason;
  record_ptr r = std::move(copy);
  it->second = r;
  append_ended(r);
  return {r.get(), true};
}

const stream_record* stream_book::modify(const std::string& id,
                                         const std::function<void(stream_record&)>& change) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second->ended) return nullptr;
  auto copy = std::make_shared<stream_record>(*it->second);
  change(*copy);
  copy->id = id;  // the key of every index
  copy->started_at = it->second->started_at;
  const auto* raw = copy.get();
  store(std::move(copy));
  return raw;
}

void stream_book::record_stats(const std::string& id, stats_snapshot snapshot) {
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second->ended) return;
  auto copy = std::make_shared<stream_record>(*it->second);
  copy->latest = snapshot;
  store(std::move(copy));
  auto& h = history_[id];
  h.push_back(std::move(snapshot));
  while (h.size() > history_max_)
    h.pop_front();
}

std::optional<std::vector<stats_snapshot>> stream_book::history(const std::string& id,
                                                                std::optional<wall> since) const {
  if (!streams_.count(id)) return std::nullopt;
  std::vector<stats_snapshot> out;
  auto it = history_.find(id);
  if (it == history_.end()) return out;
  for (const auto& s : it->second)
    if (!since || s.ts >= *since) out.push_back(s);
  return out;
}

std::vector<const stream_record*> stream_book::active_on(const std::string& container_id) const {
  std::vector<const stream_record*> out;
  for (const auto& [key, s] : active_)
    if (s->container_id == container_id) out.push_back(s.get());
  return out;
}

stream_book::streams_by_engine stream_book::active_by_engine() const {
  streams_by_engine out;
  for (const auto& [key, s] : active_)  // in start order
    out[s->container_id].push_back(s->id);
  return out;
}

std::vector<stream_book::record_ptr> stream_book::active_by_start() const {
  std::vector<record_ptr> out;
  out.reserve(active_.size());
  for (const auto& [key, s] : active_)
    out.push_back(s);
  return out;
}

void stream_book::erase(const std::string& id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (!it->second->ended) active_.erase({it->second->started_at, id});
  history_.erase(id);
  streams_.erase(it);
}

size_t stream_book::purge_ended(wall cutoff) {
  std::vector<std::string> old;
  for (const auto& [id, s] : streams_)
    if (s->ended && s->ended_at && *s->ended_at < cutoff) old.push_back(id);
  for (const auto& id : old)
    erase(id);
  if (!old.empty()) rebuild_ended();
  return old.size();
}

void stream_book::evict_over_cap() {
  if (streams_.size() < max_records_) return;
  std::vector<std::pair<wall, std::string>> ended;
  for (const auto& [id, s] : streams_)
    if (s->ended) ended.emplace_back(s->ended_at.value_or(wall{}), id);
  std::sort(ended.begin(), ended.end());
  // Make room for a tenth of the cap at once, so a full book does not scan on every start.
  size_t excess = streams_.size() - max_records_ + 1 + max_records_ / 10;
  for (size_t i = 0; i < ended.size() && i < excess; ++i)
    erase(ended[i].second);
  rebuild_ended();
}

void stream_book::restore(stream_record s, std::vector<stats_snapshot> history) {
  auto id = s.id;
  if (!history.empty()) s.latest = history.back();
  bool existed = streams_.count(id) > 0;
  erase(id);
  if (existed) rebuild_ended();
  auto r = std::make_shared<const stream_record>(std::move(s));
  if (r->ended) {
    streams_[id] = r;
    append_ended(r);  // the database hands ended streams over in the order they ended
  } else {
    store(std::move(r));
  }
  auto& h = history_[id];
  h.assign(history.begin(), history.end());
  while (h.size() > history_max_)
    h.pop_front();
}

const stream_record* stream_book::find(const std::string& id) const {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

}  // namespace acepool::actors
