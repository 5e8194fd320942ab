#include <catch2/catch.hpp>

#include "actors/provisioning/breaker.hpp"

using namespace acepool::actors;
using namespace std::chrono_literals;
using st = breaker::state;

namespace {
const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
const auto wall = std::chrono::system_clock::now();
}  // namespace

TEST_CASE(
    "closed → open after THRESHOLD consecutive failures, a success in between resets the count") {
  breaker b(3, 60s);
  b.record_failure(t0, wall);
  b.record_failure(t0, wall);
  b.record_success(t0, wall);
  b.record_failure(t0, wall);
  b.record_failure(t0, wall);
  CHECK(b.current(t0) == st::closed);
  CHECK(b.admit(t0).allowed);
  b.record_failure(t0, wall);
  CHECK(b.current(t0) == st::open);
  auto blocked = b.admit(t0 + 10s);
  CHECK_FALSE(blocked.allowed);
  CHECK(blocked.retry_after == 50s);
}

TEST_CASE("open turns half_open once the recovery timeout passed, evaluated on read") {
  breaker b(1, 60s);
  b.record_failure(t0, wall);
  CHECK(b.current(t0 + 59s) == st::open);
  CHECK(b.current(t0 + 60s) == st::half_open);  // no stale "open" even without any call in between
  CHECK(b.time_left(t0 + 60s) == 0ms);
}

TEST_CASE("half_open lets exactly one trial through: success closes, failure reopens") {
  breaker b(1, 60s);
  b.record_failure(t0, wall);
  auto trial = b.admit(t0 + 61s);
  CHECK(trial.allowed);
  CHECK(trial.trial);
  CHECK_FALSE(b.admit(t0 + 61s).allowed);  // the trial is in use
  b.record_success(t0 + 62s, wall);
  CHECK(b.current(t0 + 62s) == st::closed);
  b.record_failure(t0 + 63s, wall);
  auto second = b.admit(t0 + 124s);
  REQUIRE(second.trial);
  b.record_failure(t0 + 125s, wall);
  CHECK(b.current(t0 + 125s) == st::open);
  CHECK(b.current(t0 + 184s) == st::open);
  CHECK(b.current(t0 + 185s) == st::half_open);
}

TEST_CASE("a lost trial does not block half_open forever and reset closes at once") {
  breaker b(1, 10s);
  b.record_failure(t0, wall);
  REQUIRE(b.admit(t0 + 11s).trial);
  CHECK_FALSE(b.admit(t0 + 12s).allowed);
  CHECK(b.admit(t0 + 22s).trial);  // the first trial never reported
  b.reset();
  CHECK(b.current(t0 + 22s) == st::closed);
  CHECK(b.failure_count() == 0);
}

TEST_CASE("an abandoned trial lets the next caller have the trial") {
  breaker b(1, 10s);
  b.record_failure(t0, wall);
  REQUIRE(b.admit(t0 + 11s).trial);
  b.abandon_trial();
  CHECK(b.current(t0 + 11s) == st::half_open);
  CHECK(b.admit(t0 + 11s).trial);
}
