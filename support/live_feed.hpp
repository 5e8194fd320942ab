#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace acepool::support {

/// Why a subscriber waiting on the feed is woken.
enum class feed_wake {
  event,      ///< an event after its position exists
  heartbeat,  ///< nothing happened for a heartbeat interval: time to prove the connection lives
  closing,    ///< the feed is closing (shutdown): end the subscription
};

/// State changes as they happen, for GET /events/live (Server-Sent Events): a bounded backlog
/// of events, each rendered once as an SSE frame shared by every subscriber, which reads it at
/// its own pace by event id. Publishing takes one short lock and never waits for a subscriber;
/// waking waiting subscribers happens on the feed's own thread. A subscriber whose position has
/// fallen out of the backlog has lost events: read_after() says so.
///
/// Ids are monotonic across restarts: the first id is the start time in milliseconds × 1000,
/// so an id a client kept from an earlier process is always older than this one's backlog.
class live_feed {
 public:
  /// One event, rendered.
  struct frame {
    uint64_t id = 0;
    std::shared_ptr<const std::string> text;  ///< `id: N\ndata: {json}\n\n`
  };

  /// What a subscriber reads after a position.
  struct read_result {
    std::vector<frame> frames;  ///< oldest first
    bool lost = false;          ///< events after the position are no longer in the backlog
  };

  /// `backlog` events are kept (at least 1); every `heartbeat` the subscribers waiting then are
  /// woken with feed_wake::heartbeat.
  live_feed(size_t backlog, std::chrono::milliseconds heartbeat);
  ~live_feed();
  live_feed(const live_feed&) = delete;
  live_feed& operator=(const live_feed&) = delete;

  /// Appends an event `{"id","type","time","data"}`; returns its id. Thread-safe.
  uint64_t publish(std::string_view type, nlohmann::json data);

  /// Up to `max` events after position `after` (an event id), oldest first. A position older
  /// than the backlog, or newer than the newest event (an id of another process), is `lost`
  /// and reads from the oldest event kept.
  read_result read_after(uint64_t after, size_t max) const;

  /// The id of the newest event; before the first event, the id just below the first one.
  uint64_t last_id() const;

  /// Calls `wake` once, from the feed's thread: when an event after `after` exists (at once
  /// when one does already), at the next heartbeat, or when the feed closes (on the caller's
  /// thread when it is closed already).
  void wait_after(uint64_t after, std::function<void(feed_wake)> wake);

  /// Wakes every waiter with feed_wake::closing, refuses later waits the same way, and returns
  /// once the waiters have been woken (their wake functions have run). Idempotent; the
  /// destructor closes too.
  void close();

  /// Subscribers waiting now (for /debug and tests).
  size_t waiting() const;

  /// A place among at most `max` subscribers, given back when the returned token is released;
  /// null when all are taken.
  std::shared_ptr<void> join(size_t max);

 private:
  struct waiter {
    uint64_t after;
    std::function<void(feed_wake)> wake;
  };
  void run();
  /// Waiters to wake now with `why`, taken out of the list (under the lock).
  std::vector<waiter> take_due_locked(bool heartbeat);

  const size_t backlog_;
  const std::chrono::milliseconds heartbeat_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<frame> frames_;
  uint64_t next_id_;
  std::vector<waiter> waiters_;
  bool woken_ = false;
  bool closed_ = false;
  std::mutex join_mutex_;  ///< close() from two threads joins once
  std::shared_ptr<std::atomic<size_t>> members_ = std::make_shared<std::atomic<size_t>>(0);
  std::thread thread_;
};

}  // namespace acepool::support
