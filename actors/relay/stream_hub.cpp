#include "actors/relay/stream_hub.hpp"

namespace acepool::relay {

stream_hub::stream_hub(hub_options options, std::shared_ptr<relay_counters> counters,
                       clients_changed on_change)
    : options_(options),
      counters_(std::move(counters)),
      on_change_(std::move(on_change)),
      buffer_(options.buffer_bytes),
      last_upstream_(clock::now()) {}

void stream_hub::changed(size_t n) const {
  if (on_change_) on_change_(n);
}

uint64_t stream_hub::attach(std::shared_ptr<client_sink> sink) {
  std::vector<pending_write> writes;
  uint64_t id;
  size_t n;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    id = next_id_++;
    auto& c = clients_[id];
    c.sink = std::move(sink);
    flush_staged();
    c.pos = buffer_.join_position();
    next_write(id, c, buffer_.head(), writes);
    if (!c.started) has_waiting_ = true;
    n = clients_.size();
  }
  ++counters_->clients;
  start(std::move(writes));
  changed(n);
  return id;
}

void stream_hub::next_write(uint64_t id, client& c, uint64_t limit,
                            std::vector<pending_write>& out) {
  if (c.in_flight) return;
  auto r = buffer_.read(c.pos, options_.max_write_bytes);
  if (r.skipped) {
    ++c.skips;
    ++counters_->skips;
  }
  c.pos = r.next - r.bytes;  // where this read starts (after a skip: the newest PAT)
  if (r.bytes == 0 || c.pos >= limit) return;
  // Never beyond `limit` (what is published) for a streaming client.
  size_t allowed = static_cast<size_t>(std::min<uint64_t>(r.bytes, limit - c.pos));
  size_t taken = 0;
  std::vector<buffer_slice> slices;
  for (auto& s : r.slices) {
    if (taken >= allowed) break;
    s.length = std::min(s.length, allowed - taken);
    taken += s.length;
    slices.push_back(std::move(s));
  }
  c.pos += taken;
  c.in_flight = true;
  c.started = true;
  c.write_started = clock::now();
  out.push_back({id, c.sink, std::move(slices), taken});
}

void stream_hub::start(std::vector<pending_write> writes) {
  std::weak_ptr<stream_hub> weak = shared_from_this();
  for (auto& w : writes) {
    auto id = w.id;
    auto bytes = w.bytes;
    w.sink->write(std::move(w.slices), [weak, id, bytes](write_outcome outcome) {
      if (auto hub = weak.lock()) hub->on_written(id, bytes, outcome);
    });
  }
}

// Swappable on purpose: client id and byte count from one completion callback
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
void stream_hub::on_written(uint64_t id, size_t bytes, write_outcome outcome) {
  std::vector<pending_write> writes;
  size_t n = 0;
  bool removed = false;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = clients_.find(id);
    if (it == clients_.end()) return;
    auto& c = it->second;
    c.in_flight = false;
    if (outcome != write_outcome::ok) {
      ++(outcome == write_outcome::timed_out ? counters_->drops : counters_->disconnects);
      clients_.erase(it);
      removed = true;
      n = clients_.size();
    } else {
      c.sent += bytes;
      bytes_out_ += bytes;
      counters_->bytes_out += bytes;
      next_write(id, c, published_, writes);
    }
  }
  if (removed) {
    --counters_->clients;
    changed(n);
    return;
  }
  start(std::move(writes));
}

void stream_hub::flush_staged() {
  if (staged_.empty()) return;
  buffer_.append(std::make_shared<const std::string>(std::move(staged_)), staged_pats_);
  staged_.clear();
  staged_pats_.clear();
}

void stream_hub::append(const std::string& packets, const std::vector<size_t>& pat_offsets,
                        bool from_upstream) {
  if (packets.empty()) return;
  std::vector<pending_write> writes;
  auto now = clock::now();
  {
    std::lock_guard<std::mutex> guard(mutex_);
    bytes_in_ += packets.size();
    if (from_upstream) last_upstream_ = now;
    // Upstream reads are small; staging them makes one buffer chunk (one slice, one HTTP chunk
    // per client) per coalesced write instead of dozens.
    for (auto offset : pat_offsets)
      staged_pats_.push_back(staged_.size() + offset);
    staged_ += packets;
    bool due =
        now - last_publish_ >= options_.coalesce || staged_.size() >= options_.coalesce_bytes;
    if (!due && !has_waiting_) return;
    flush_staged();
    if (due) {
      published_ = buffer_.head();
      last_publish_ = now;
    }
    bool waiting = false;
    for (auto& [id, c] : clients_) {
      if (!c.started || due) next_write(id, c, c.started ? published_ : buffer_.head(), writes);
      waiting = waiting || !c.started;
    }
    has_waiting_ = waiting;
  }
  start(std::move(writes));
}

void stream_hub::publish() {
  std::vector<pending_write> writes;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    flush_staged();
    published_ = buffer_.head();
    last_publish_ = clock::now();
    for (auto& [id, c] : clients_)
      next_write(id, c, published_, writes);
  }
  start(std::move(writes));
}

std::vector<std::shared_ptr<client_sink>> stream_hub::take_clients(
    const std::function<bool(const client&)>& which) {
  std::vector<std::shared_ptr<client_sink>> taken;
  size_t n;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto it = clients_.begin(); it != clients_.end();) {
      if (!which(it->second)) {
        ++it;
        continue;
      }
      taken.push_back(std::move(it->second.sink));
      it = clients_.erase(it);
    }
    n = clients_.size();
  }
  counters_->clients -= static_cast<int64_t>(taken.size());
  if (!taken.empty()) changed(n);
  return taken;
}

void stream_hub::fail_waiting(int status, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  for (auto& s : take_clients([](const client& c) { return !c.started; }))
    s->fail(status, body, headers);
}

void stream_hub::finish_all() {
  for (auto& s : take_clients([](const client&) { return true; }))
    s->finish();
}

void stream_hub::sweep(clock::time_point now) {
  auto stuck = [&](const client& c) {
    return c.in_flight && now - c.write_started > options_.write_timeout + std::chrono::seconds(5);
  };
  // Runs under the lock, where the counters of what is taken are updated too.
  for (auto& s : take_clients([&](const client& c) {
         if (stuck(c)) {
           ++counters_->drops;
           return true;
         }
         if (!c.sink->closed()) return false;
         ++counters_->disconnects;
         return true;
       }))
    s->finish();
}

size_t stream_hub::clients() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return clients_.size();
}

size_t stream_hub::waiting() const {
  std::lock_guard<std::mutex> guard(mutex_);
  size_t n = 0;
  for (const auto& [id, c] : clients_)
    if (!c.started) ++n;
  return n;
}

stream_hub::clock::time_point stream_hub::last_upstream() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return last_upstream_;
}

nlohmann::json stream_hub::state() const {
  std::lock_guard<std::mutex> guard(mutex_);
  auto list = nlohmann::json::array();
  for (const auto& [id, c] : clients_)
    list.push_back({{"id", id},
                    {"lag_bytes", buffer_.head() - std::min(c.pos, buffer_.head())},
                    {"sent", c.sent},
                    {"skips", c.skips},
                    {"write_in_flight", c.in_flight},
                    {"started", c.started}});
  return {{"buffer",
           {{"bytes", buffer_.size()}, {"capacity", buffer_.capacity()}, {"head", buffer_.head()}}},
          {"bytes_in", bytes_in_.load()},
          {"bytes_out", bytes_out_.load()},
          {"clients", list}};
}

bool reserve_client(relay_counters& counters, int64_t max) {
  int64_t held = counters.clients.load();
  while (held < max)
    if (counters.clients.compare_exchange_weak(held, held + 1)) return true;
  return false;
}

}  // namespace acepool::relay
