#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace acepool::actors {

/// A circuit breaker (docs/behaviour.md §5): closed → open after `threshold` consecutive failures;
/// open → half_open once `recovery` has passed (evaluated on every read, so nothing ever reports
/// a stale "open"); half_open lets exactly one trial through: success → closed, failure → open.
class breaker {
 public:
  using clock = std::chrono::steady_clock;
  enum class state { closed, open, half_open };

  breaker(int threshold, std::chrono::milliseconds recovery)
      : threshold_(threshold), recovery_(recovery) {}

  /// The state at `now`.
  state current(clock::time_point now) const;

  /// Whether an operation may start; in half_open the first caller gets the trial (and
  /// `trial` is set), later callers are blocked until it reports.
  struct admission {
    bool allowed = false;
    bool trial = false;
    std::chrono::milliseconds retry_after{0};  ///< when blocked: time left until half_open
  };
  admission admit(clock::time_point now);

  void record_success(clock::time_point now, std::chrono::system_clock::time_point wall);
  void record_failure(clock::time_point now, std::chrono::system_clock::time_point wall);
  /// Closes the breaker and forgets failures.
  void reset();
  /// Gives back a half_open trial that never ran (no outcome recorded).
  void abandon_trial() { trial_in_use_ = false; }

  int failure_count() const { return failures_; }
  int threshold() const { return threshold_; }
  std::chrono::milliseconds recovery_timeout() const { return recovery_; }
  /// Time left until half_open (0 unless open).
  std::chrono::milliseconds time_left(clock::time_point now) const;
  std::optional<std::chrono::system_clock::time_point> last_failure() const {
    return last_failure_;
  }
  std::optional<std::chrono::system_clock::time_point> last_success() const {
    return last_success_;
  }

 private:
  int threshold_;
  std::chrono::milliseconds recovery_;
  int failures_ = 0;
  bool open_ = false;
  clock::time_point opened_at_{};
  bool trial_in_use_ = false;
  clock::time_point trial_started_{};
  std::optional<std::chrono::system_clock::time_point> last_failure_, last_success_;
};

const char* to_string(breaker::state s);

}  // namespace acepool::actors
