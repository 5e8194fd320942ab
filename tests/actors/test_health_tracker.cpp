#include <catch2/catch.hpp>

#include "actors/health_tracker.hpp"

using namespace acepool::actors;
using namespace std::chrono_literals;
using hs = health_status;

namespace {

const auto boot = std::chrono::steady_clock::time_point{} + 1h;

health_limits limits() {
  health_limits l;
  l.failure_threshold = 3;
  l.startup_grace = 30s;
  l.unhealthy_grace = 60s;
  l.replacement_cooldown = 120s;
  return l;
}

}  // namespace

TEST_CASE("health: unknown until the first answer, healthy after one success") {
  health_tracker t(limits());
  CHECK(t.status("a") == hs::unknown);
  auto out = t.record("a", true, hs::unknown, boot, boot + 40s);
  CHECK(out.status == hs::healthy);
  CHECK(out.changed);
  CHECK_FALSE(t.record("a", true, hs::unknown, boot, boot + 41s).changed);
}

TEST_CASE("health: unhealthy only after HEALTH_FAILURE_THRESHOLD consecutive failures") {
  health_tracker t(limits());
  auto now = boot + 40s;
  t.record("a", true, hs::unknown, boot, now);
  CHECK(t.record("a", false, hs::unknown, boot, now).status == hs::healthy);
  CHECK(t.record("a", false, hs::unknown, boot, now).status == hs::healthy);
  t.record("a", true, hs::unknown, boot, now);  // a success resets the count
  CHECK(t.consecutive_failures("a") == 0);
  t.record("a", false, hs::unknown, boot, now);
  t.record("a", false, hs::unknown, boot, now);
  auto third = t.record("a", false, hs::unknown, boot, now);
  CHECK(third.status == hs::unhealthy);
  CHECK(third.changed);
  auto back = t.record("a", true, hs::unknown, boot, now);
  CHECK(back.status == hs::healthy);
  CHECK(back.changed);
}

TEST_CASE("health: failures of an engine younger than the startup grace are not counted") {
  health_tracker t(limits());
  for (int i = 0; i < 5; ++i)
    CHECK(t.record("young", false, hs::unknown, boot, boot + 10s).status == hs::unknown);
  CHECK(t.consecutive_failures("young") == 0);
  for (int i = 0; i < 3; ++i)
    t.record("young", false, hs::unknown, boot, boot + 31s);
  CHECK(t.status("young") == hs::unhealthy);
}

TEST_CASE("health: the registry's status is the starting point for an engine not seen yet") {
  health_tracker t(limits());
  // A freshly provisioned engine is healthy (it answered readiness); two failures keep it so.
  t.record("p", false, hs::healthy, boot, boot + 40s);
  CHECK(t.record("p", false, hs::healthy, boot, boot + 40s).status == hs::healthy);
}

TEST_CASE(
    "health: engines unhealthy for the grace period are due, longest first, only if replaceable") {
  health_tracker t(limits());
  auto fail3 = [&](const std::string& id, std::chrono::steady_clock::time_point at) {
    for (int i = 0; i < 3; ++i)
      t.record(id, false, hs::unknown, boot, at);
  };
  fail3("late", boot + 50s);
  fail3("early", boot + 40s);
  fail3("static", boot + 40s);
  CHECK(t.due({"late", "early"}, boot + 99s).empty());
  CHECK(t.due({"late", "early"}, boot + 100s) == std::vector<std::string>{"early"});
  CHECK(t.due({"late", "early"}, boot + 110s) == std::vector<std::string>{"early", "late"});
  t.record("early", true, hs::unknown, boot, boot + 111s);  // recovered: no longer due
  CHECK(t.due({"late", "early"}, boot + 112s) == std::vector<std::string>{"late"});
}

TEST_CASE("health: at most one replacement starts per cooldown") {
  health_tracker t(limits());
  CHECK(t.may_start_replacement(boot));
  t.replacement_started(boot);
  CHECK_FALSE(t.may_start_replacement(boot + 119s));
  CHECK(t.may_start_replacement(boot + 120s));
}

TEST_CASE("health: engines that left the registry are forgotten") {
  health_tracker t(limits());
  t.record("gone", true, hs::unknown, boot, boot + 40s);
  t.record("kept", true, hs::unknown, boot, boot + 40s);
  t.retain({"kept"});
  CHECK(t.status("gone") == hs::unknown);
  CHECK(t.status("kept") == hs::healthy);
}
