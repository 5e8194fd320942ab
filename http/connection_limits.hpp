#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace acepool::http {

/// Descriptors kept free of client connections for everything else acepool opens: Docker
/// calls, engine probes, stats polls and upstream streams, the database, logs.
constexpr uint64_t reserved_descriptors = 512;

/// MAX_CONNECTIONS in effect: `configured` lowered to the open-file limit minus
/// reserved_descriptors (half the limit when it is smaller than that), never below 16;
/// `configured` 0 = that room, at most 65,536.
size_t effective_max_connections(int64_t configured, uint64_t open_file_limit);

/// Memory all request bodies being read may take together. A connection reserves what a body
/// may grow to once its head is read and releases it when the request is complete, so many
/// slow, partial bodies cannot exhaust memory. Thread-safe.
class body_budget {
 public:
  explicit body_budget(uint64_t max_bytes) : max_(max_bytes) {}

  /// Reserves `bytes`; false (nothing reserved) when that would exceed the budget.
  bool reserve(uint64_t bytes);
  void release(uint64_t bytes);
  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_; }

 private:
  const uint64_t max_;
  std::atomic<uint64_t> used_{0};
};

/// The cap on open client connections (MAX_CONNECTIONS), across every listener, relay streams
/// included. Create it with make_shared (slots keep it alive). At the cap, the connection idle
/// longest between requests is closed to make room; when none is idle, a few more are admitted only
/// to be answered 503, and beyond those the connection is closed at once. Thread-safe.
class connection_table : public std::enable_shared_from_this<connection_table> {
 public:
  /// `overflow` = how many over-cap connections may be open at once to be answered 503.
  connection_table(size_t max_connections, size_t overflow = 64);

  /// What admit() decided for one accepted connection.
  struct admission {
    std::shared_ptr<void> slot;  ///< holds the connection's place until destroyed; null = drop
    bool refuse = false;         ///< answer the first request 503 and close
    uint64_t id = 0;             ///< for track()
  };
  admission admit();

  /// Since when (ms since epoch) a connection is idle between requests, 0 = busy: written by
  /// the connection without any lock, read by the table only at the cap.
  using idle_clock = std::shared_ptr<std::atomic<int64_t>>;
  /// Makes an admitted connection a candidate for eviction at the cap: its idle clock, and how to
  /// close it (asynchronously; it closes only if it is still idle then). The one idle longest
  /// goes first.
  void track(uint64_t id, idle_clock idle, std::function<void()> evict);

  size_t open() const { return open_.load(std::memory_order_relaxed); }
  /// Tracked connections idle between requests right now (a scan: for tests and diagnostics).
  size_t idle();
  size_t max() const { return max_; }
  uint64_t evicted() const { return evicted_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void leave(uint64_t id, bool over_cap);
  bool evict_longest_idle();

  const size_t max_, overflow_max_;
  std::atomic<size_t> open_{0}, overflow_{0};
  std::atomic<uint64_t> evicted_{0}, refused_{0}, dropped_{0};
  std::mutex mutex_;
  uint64_t next_id_ = 1;
  struct tracked {
    idle_clock idle;
    std::function<void()> evict;
  };
  std::map<uint64_t, tracked> tracked_;
  // Idle connections, oldest first, as last scanned (at most once a second, only at the cap).
  std::vector<std::pair<int64_t, uint64_t>> candidates_;
  std::chrono::steady_clock::time_point scanned_at_{};
};

}  // namespace acepool::http
