#include "http/connection_limits.hpp"

#include <algorithm>
#include <functional>
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

// Swappable on purpose: the cap and the overflow allowance; the limits tests pin both
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
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

void connection_table::track(uint64_t id, idle_clock idle, std::function<void()> evict) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracked_[id] = tracked{std::move(idle), std::move(evict)};
}

void connection_table::leave(uint64_t id, bool over_cap) {
  tracked gone;  // destroyed outside the lock: it may hold the last references
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = tracked_.find(id); it != tracked_.end()) {
      gone = std::move(it->second);
      tracked_.erase(it);
    }
  }
  (over_cap ? overflow_ : open_).fetch_sub(1, std::memory_order_relaxed);
}

size_t connection_table::idle() {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (const auto& [id, t] : tracked_)
    if (t.idle->load(std::memory_order_relaxed) != 0) ++n;
  return n;
}

bool connection_table::evict_longest_idle() {
  using namespace std::chrono_literals;
  std::function<void()> victim;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    auto scan = [&] {
      // A scan of every connection, only at the cap and at most every 50 ms: requests never take
      // this lock, they only write their connection's idle clock.
      candidates_.clear();
      for (const auto& [id, t] : tracked_)
        if (auto since = t.idle->load(std::memory_order_relaxed); since != 0)
          candidates_.emplace_back(since, id);
      std::sort(candidates_.begin(), candidates_.end(), std::greater<>());  // oldest last
      scanned_at_ = now;
    };
    if (candidates_.empty() || now - scanned_at_ > 1s) scan();
    auto pick = [&] {
      while (!candidates_.empty() && !victim) {
        auto [since, id] = candidates_.back();
        candidates_.pop_back();
        auto it = tracked_.find(id);
        // Still there and still idle since then (not busy, not idle again since a later time).
        if (it == tracked_.end() || it->second.idle->load(std::memory_order_relaxed) != since)
          continue;
        it->second.idle->store(0, std::memory_order_relaxed);
        victim = it->second.evict;
      }
    };
    bool remembered = !candidates_.empty();
    pick();
    // Every remembered candidate went busy or away: connections idle since the scan count too
    // (at once when the remembered ones went stale; a flood finding none scans every 50 ms).
    if (!victim && (remembered || now - scanned_at_ >= 50ms)) {
      scan();
      pick();
    }
  }
  if (!victim) return false;
  // Called without the lock: the connection closes on its own strand, and its slot leaving the
  // table takes the lock.
  victim();
  evicted_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace acepool::http
