#include "actors/relay/stream_hub.hpp"

#include <unistd.h>

#include <algorithm>

#include "actors/relay/ts_packets.hpp"

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
  if (c.in_flight || suspended_) return;
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
  ++starting_;
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
    std::lock_guard<std::mutex> guard(mutex_);
    --starting_;
  }
}

void stream_hub::suspend(std::function<void()> done) {
  std::vector<std::pair<uint64_t, std::shared_ptr<client_sink>>> sinks;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    suspended_ = true;
    for (auto& [id, c] : clients_) {
      c.movable = c.moved = false;
      sinks.emplace_back(id, c.sink);
    }
  }
  if (sinks.empty()) {
    done();
    return;
  }
  struct countdown {
    std::mutex mutex;
    size_t left;
    std::function<void()> done;
  };
  auto count = std::make_shared<countdown>();
  count->left = sinks.size();
  count->done = std::move(done);
  std::weak_ptr<stream_hub> weak = shared_from_this();
  for (auto& [id, sink] : sinks)
    sink->suspend([count, weak, id = id](bool movable) {
      if (auto hub = weak.lock()) {
        std::lock_guard<std::mutex> guard(hub->mutex_);
        if (auto it = hub->clients_.find(id); it != hub->clients_.end())
          it->second.movable = movable;
      }
      std::function<void()> finished;
      {
        std::lock_guard<std::mutex> guard(count->mutex);
        if (--count->left > 0) return;
        finished = std::move(count->done);
      }
      finished();
    });
}

std::optional<hub_handover> stream_hub::handover() {
  std::lock_guard<std::mutex> guard(mutex_);
  if (!suspended_ || starting_ > 0) return std::nullopt;
  flush_staged();
  hub_handover h;
  // From the newest PAT at least, so clients joining the new process start where players decode.
  uint64_t join = std::min(buffer_.join_position(), buffer_.head());
  for (auto& [id, c] : clients_)
    if (c.pos < buffer_.tail()) {  // fell behind the buffer: the newest PAT, as read() would do
      c.pos = join;
      ++c.skips;
      ++counters_->skips;
    }
  uint64_t from = join;
  for (const auto& [id, c] : clients_)
    from = std::min(from, c.pos);
  from = std::max(from, buffer_.tail());
  h.start = from;
  h.bytes = buffer_.copy_from(from);
  h.pats = buffer_.pats_from(from);
  h.bytes_in = bytes_in_.load();
  h.bytes_out = bytes_out_.load();
  for (auto& [id, c] : clients_) {
    auto socket = c.movable && !c.sink->closed() ? c.sink->handover() : std::nullopt;
    c.moved = socket.has_value();
    if (c.moved) h.clients.push_back({std::max(c.pos, from), c.sent, std::move(*socket)});
  }
  return h;
}

void stream_hub::fail_unmoved(int status, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<bool, std::shared_ptr<client_sink>>> left;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    for (auto it = clients_.begin(); it != clients_.end();) {
      if (it->second.moved) {
        ++it;
        continue;
      }
      left.emplace_back(it->second.started, std::move(it->second.sink));
      it = clients_.erase(it);
    }
  }
  counters_->clients -= static_cast<int64_t>(left.size());
  for (auto& [started, sink] : left) {
    sink->resume();  // (suspended or not) so the end can be written
    if (started)
      sink->finish();
    else
      sink->fail(status, body, headers);
  }
}

void stream_hub::resume() {
  std::vector<std::shared_ptr<client_sink>> sinks;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!suspended_) return;
    suspended_ = false;
    auto now = clock::now();
    for (auto& [id, c] : clients_) {
      c.movable = c.moved = false;
      if (c.in_flight) c.write_started = now;  // its write was held, not stuck
      sinks.push_back(c.sink);
    }
  }
  for (auto& sink : sinks)
    sink->resume();
  publish();
}

void stream_hub::continue_from(const hub_handover& from) {
  std::lock_guard<std::mutex> guard(mutex_);
  buffer_.start_at(from.start);
  // In chunks of a coalesced write's size, as they came: the buffer drops its oldest chunk when
  // full, and one chunk of everything would take every byte a slow client still needs with it.
  size_t chunk =
      std::max(ts_packet_size, options_.coalesce_bytes - options_.coalesce_bytes % ts_packet_size);
  for (size_t at = 0; at < from.bytes.size(); at += chunk) {
    size_t n = std::min(chunk, from.bytes.size() - at);
    std::vector<size_t> offsets;
    for (auto p : from.pats)
      if (p >= from.start + at && p < from.start + at + n)
        offsets.push_back(static_cast<size_t>(p - from.start - at));
    buffer_.append(std::make_shared<const std::string>(from.bytes.substr(at, n)), offsets);
  }
  published_ = buffer_.head();
  bytes_in_ = from.bytes_in;
  bytes_out_ = from.bytes_out;
}

// Swappable on purpose: a stream position and a byte count, named at the one call site
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
void stream_hub::adopt(std::shared_ptr<client_sink> sink, uint64_t pos, uint64_t sent) {
  std::vector<pending_write> writes;
  size_t n;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto id = next_id_++;
    auto& c = clients_[id];
    c.sink = std::move(sink);
    c.pos = pos;
    c.sent = sent;
    c.started = true;
    // At once, also with nothing new: what the previous process had not sent goes out first.
    if (buffer_.read(c.pos, 0).bytes == 0) {
      c.in_flight = true;
      c.write_started = clock::now();
      ++starting_;
      writes.push_back({id, c.sink, {}, 0});
    } else {
      next_write(id, c, buffer_.head(), writes);
    }
    n = clients_.size();
  }
  ++counters_->clients;
  start(std::move(writes));
  changed(n);
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
