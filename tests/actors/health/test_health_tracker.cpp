#include <catch2/catch.hpp>

#include "actors/health/health_tracker.hpp"

using namespace acepool::actors;
using namespace std::chrono_literals;
using hs = health_status;

namespace {

const auto tracker_boot = std::chrono::steady_clock::time_point{} + 1h;

health_limits tracker_limits() {
  health_limits l;
  l.failure_threshold = 3;
  l.startup_grace = 30s;
  l.unhealthy_grace = 60s;
  l.replacement_cooldown = 120s;
  return l;
}

}  // namespace

TEST_CASE("health: unknown until the first answer, healthy after one success") {
  health_tracker t(tracker_limits());
  CHECK(t.status("a") == hs::unknown);
  auto out = t.record("a", true, hs::unknown, tracker_boot, tracker_boot + 40s);
  CHECK(out.status == hs::healthy);
  CHECK(out.changed);
  CHECK_FALSE(t.record("a", true, hs::unknown, tracker_boot, tracker_boot + 41s).changed);
}

TEST_CASE("health: unhealthy only after HEALTH_FAILURE_THRESHOLD consecutive failures") {
  health_tracker t(tracker_limits());
  auto now = tracker_boot + 40s;
  t.record("a", true, hs::unknown, tracker_boot, now);
  CHECK(t.record("a", false, hs::unknown, tracker_boot, now).status == hs::healthy);
  CHECK(t.record("a", false, hs::unknown, tracker_boot, now).status == hs::healthy);
  t.record("a", true, hs::unknown, tracker_boot, now);  // a success resets the count
  CHECK(t.consecutive_failures("a") == 0);
  t.record("a", false, hs::unknown, tracker_boot, now);
  t.record("a", false, hs::unknown, tracker_boot, now);
  auto third = t.record("a", false, hs::unknown, tracker_boot, now);
  CHECK(third.status == hs::unhealthy);
  CHECK(third.changed);
  auto back = t.record("a", true, hs::unknown, tracker_boot, now);
  CHECK(back.status == hs::healthy);
  CHECK(back.changed);
}

TEST_CASE("health: an adopted or static engine has no startup grace: its first failures count") {
  health_tracker t(tracker_limits());
  const auto now = tracker_boot + 1s;  // however young it looks, no start time means no grace
  t.record("adopted", false, hs::unknown, std::nullopt, now);
  t.record("adopted", false, hs::unknown, std::nullopt, now);
  CHECK(t.record("adopted", false, hs::unknown, std::nullopt, now).status == hs::unhealthy);
}

TEST_CASE("health: failures of an engine younger than the startup grace are not counted") {
  health_tracker t(tracker_limits());
  for (int i = 0; i < 5; ++i)
    CHECK(t.record("young", false, hs::unknown, tracker_boot, tracker_boot + 10s).status ==
          hs::unknown);
  CHECK(t.consecutive_failures("young") == 0);
  for (int i = 0; i < 3; ++i)
    t.record("young", false, hs::unknown, tracker_boot, tracker_boot + 31s);
  CHECK(t.status("young") == hs::unhealthy);
}

TEST_CASE("health: the registry's status is the starting point for an engine not seen yet") {
  health_tracker t(tracker_limits());
  // A freshly provisioned engine is healthy (it answered readiness); two failures keep it so.
  t.record("p", false, hs::healthy, tracker_boot, tracker_boot + 40s);
  CHECK(t.record("p", false, hs::healthy, tracker_boot, tracker_boot + 40s).status == hs::healthy);
}

TEST_CASE(
    "health: engines unhealthy for the grace period are due, longest first, only if replaceable") {
  health_tracker t(tracker_limits());
  auto fail3 = [&](const std::string& id, std::chrono::steady_clock::time_point at) {
    for (int i = 0; i < 3; ++i)
      t.record(id, false, hs::unknown, tracker_boot, at);
  };
  fail3("late", tracker_boot + 50s);
  fail3("early", tracker_boot + 40s);
  fail3("static", tracker_boot + 40s);
  CHECK(t.due({"late", "early"}, tracker_boot + 99s).empty());
  CHECK(t.due({"late", "early"}, tracker_boot + 100s) == std::vector<std::string>{"early"});
  CHECK(t.due({"late", "early"}, tracker_boot + 110s) == std::vector<std::string>{"early", "late"});
  t.record("early", true, hs::unknown, tracker_boot,
           tracker_boot + 111s);  // recovered: no longer due
  CHECK(t.due({"late", "early"}, tracker_boot + 112s) == std::vector<std::string>{"late"});
}

TEST_CASE("health: at most one replacement starts per cooldown") {
  health_tracker t(tracker_limits());
  CHECK(t.may_start_replacement(tracker_boot));
  t.replacement_started(tracker_boot);
  CHECK_FALSE(t.may_start_replacement(tracker_boot + 119s));
  CHECK(t.may_start_replacement(tracker_boot + 120s));
}

TEST_CASE("health: engines that left the registry are forgotten") {
  health_tracker t(tracker_limits());
  t.record("gone", true, hs::unknown, tracker_boot, tracker_boot + 40s);
  t.record("kept", true, hs::unknown, tracker_boot, tracker_boot + 40s);
  t.retain({"kept"});
  CHECK(t.status("gone") == hs::unknown);
  CHECK(t.status("kept") == hs::healthy);
}
