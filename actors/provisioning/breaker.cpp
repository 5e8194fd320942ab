#include "actors/provisioning/breaker.hpp"

namespace acepool::actors {

const char* to_string(breaker::state s) {
  switch (s) {
    case breaker::state::open:
      return "open";
    case breaker::state::half_open:
      return "half_open";
    case breaker::state::closed:
      break;
  }
  return "closed";
}

breaker::state breaker::current(clock::time_point now) const {
  if (!open_) return state::closed;
  return now - opened_at_ >= recovery_ ? state::half_open : state::open;
}

std::chrono::milliseconds breaker::time_left(clock::time_point now) const {
  if (current(now) != state::open) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(opened_at_ + recovery_ - now);
}

breaker::admission breaker::admit(clock::time_point now) {
  switch (current(now)) {
    case state::closed:
      return {true, false, {}};
    case state::open:
      return {false, false, time_left(now)};
    case state::half_open:
      // A trial whose outcome never came back (lost) must not block forever.
      if (trial_in_use_ && now - trial_started_ < recovery_)
        return {false, false, std::chrono::milliseconds(1000)};
      trial_in_use_ = true;
      trial_started_ = now;
      return {true, true, {}};
  }
  return {true, false, {}};
}

void breaker::record_success(clock::time_point, std::chrono::system_clock::time_point wall) {
  failures_ = 0;
  open_ = false;
  trial_in_use_ = false;
  last_success_ = wall;
}

void breaker::record_failure(clock::time_point now, std::chrono::system_clock::time_point wall) {
  last_failure_ = wall;
  ++failures_;
  if (open_ || failures_ >= threshold_) {
    // A failed trial (or the threshold reached) opens it again for a full recovery period.
    open_ = true;
    opened_at_ = now;
  }
  trial_in_use_ = false;
}

void breaker::reset() {
  failures_ = 0;
  open_ = false;
  trial_in_use_ = false;
}

}  // namespace acepool::actors
