#include "http/connection_limits.hpp"

#include <algorithm>
#include <vector>

namespace acepool::http {

namespace {

/// A connection's place in the table, given back when the last holder lets go.
class table_slot {
 public:
  explicit table_slot(std::function<void()> leave) : leave_(std::move(leave)) {}
  table_slot(const table_slot&) = delete;
  table_slot& operator=(const table_slot&) = delete;
  ~table_slot() { leave_(); }

 private:
  std::function<void()> leave_;
};

}  // namespace

size_t effective_max_connections(int64_t configured, uint64_t open_file_limit) {
  constexpr uint64_t floor = 16, automatic_ceiling = 65536;
  uint64_t room = open_file_limit > 2 * reserved_descriptors
                      ? open_file_limit - reserved_descriptors
                      : open_file_limit / 2;
  room = std::max(floor, room);
  if (configured <= 0) return static_cast<size_t>(std::min(room, automatic_ceiling));
  return static_cast<size_t>(std::min<uint64_t>(static_cast<uint64_t>(configured), room));
}

bool body_budget::reserve(uint64_t bytes) {
  auto used = used_.load(std::memory_order_relaxed);
  do {
    if (bytes > max_ || used > max_ - bytes) return false;
  } while (!used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void body_budget::release(uint64_t bytes) {
  used_.fetch_sub(bytes, std::memory_order_relaxed);
}

connection_table::connection_table(size_t max_connections, size_t overflow)
    : max_(max_connections), overflow_max_(overflow) {}

connection_table::admission connection_table::admit() {
  admission out;
  bool over_cap = false;
  auto full = [this] { return open_.load(std::memory_order_relaxed) >= max_; };
  // A scan that found nothing to evict may still have seen a connection leave.
  if (full() && !evict_longest_idle() && full()) {
    if (overflow_.fetch_add(1, std::memory_order_relaxed) >= overflow_max_) {
      overflow_.fetch_sub(1, std::memory_order_relaxed);
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return out;
    }
    over_cap = true;
    out.refuse = true;
    refused_.fetch_add(1, std::memory_order_relaxed);
  }
  if (!over_cap) open_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    out.id = next_id_++;
  }
  auto self = shared_from_this();
  uint64_t id = out.id;
  out.slot = std::make_shared<table_slot>([self, id, over_cap] { self->leave(id, over_cap); });
  return out;
}

void connection_table::track(uint64_t id, std::function<void()> evict) {
  std::lock_guard<std::mutex> lock(mutex_);
  evictors_[id] = std::move(evict);
}

void connection_table::set_idle(uint64_t id, int64_t since_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = idle_since_.find(id); it != idle_since_.end()) {
    idle_order_.erase({it->second, id});
    idle_since_.erase(it);
  }
  if (since_ms != 0 && evictors_.count(id)) {
    idle_since_[id] = since_ms;
    idle_order_.insert({since_ms, id});
  }
}

void connection_table::leave(uint64_t id, bool over_cap) {
  std::function<void()> gone;  // destroyed outside the lock: it may hold the last references
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = evictors_.find(id); it != evictors_.end()) {
      gone = std::move(it->second);
      evictors_.erase(it);
    }
    if (auto it = idle_since_.find(id); it != idle_since_.end()) {
      idle_order_.erase({it->second, id});
      idle_since_.erase(it);
    }
  }
  (over_cap ? overflow_ : open_).fetch_sub(1, std::memory_order_relaxed);
}

bool connection_table::evict_longest_idle() {
  std::function<void()> victim;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_order_.empty()) return false;
    auto [since, id] = *idle_order_.begin();
    idle_order_.erase(idle_order_.begin());
    idle_since_.erase(id);
    victim = evictors_[id];
  }
  // Called without the lock: the connection closes on its own strand, and its slot leaving the
  // table takes the lock.
  if (victim) victim();
  evicted_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace acepool::http
