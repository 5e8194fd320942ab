#include <catch2/catch.hpp>

#include "actors/relay/relay_rules.hpp"

using namespace acepool;
using namespace acepool::relay;
using namespace std::chrono_literals;

namespace {

const auto session_t0 = std::chrono::steady_clock::time_point{} + 1000h;

relay_limits relay_test_limits() {
  relay_limits l;
  l.failover_attempts = 3;
  l.linger = 5s;
  l.empty_timeout = 10s;
  l.start_timeout = 30s;
  l.vpn_wait = 120s;
  return l;
}

}  // namespace

TEST_CASE("relay: a lost session's engine is kept, avoided or excluded for the next one") {
  failover_counter f(3);
  auto keep = f.lost({"unknown playback session id", engine_verdict::keep}, "e1");
  CHECK(keep.wishes.preferred == "e1");
  auto avoid = f.lost({"end of stream", engine_verdict::avoid}, "e1");
  CHECK(avoid.wishes.avoided == std::vector<std::string>{"e1"});
  CHECK(avoid.wishes.preferred.empty());
  auto exclude = f.lost({"engine is gone", engine_verdict::exclude}, "e1");
  CHECK(exclude.wishes.excluded == std::vector<std::string>{"e1"});
}

TEST_CASE("relay: failover attempts back off and give up after STREAM_FAILOVER_ATTEMPTS") {
  failover_counter f(3);
  auto first = f.lost({}, "e1");
  CHECK(first.attempt == 1);
  CHECK(first.delay == 0ms);  // the first retry is at once
  CHECK(f.lost({}, "e1").delay == 500ms);
  CHECK(f.lost({}, "e1").delay == 1000ms);
  auto fourth = f.lost({}, "e1");
  CHECK(fourth.give_up);
  CHECK(fourth.attempt == 4);
  failover_counter long_run(100);
  for (int i = 0; i < 10; ++i)
    long_run.lost({}, "e1");
  CHECK(long_run.lost({}, "e1").delay == 2s);  // capped
}

TEST_CASE("relay: a minute of good flow starts the failover count over") {
  failover_counter f(3);
  f.lost({}, "e1");
  f.lost({}, "e1");
  f.flowing(session_t0, session_t0 + 59s);
  CHECK(f.attempts() == 2);
  f.flowing(session_t0, session_t0 + 60s);
  CHECK(f.attempts() == 0);
  CHECK_FALSE(f.lost({}, "e1").give_up);
}

TEST_CASE("relay: the watchdog ends a stream without clients once STREAM_LINGER_S passed") {
  watchdog_facts f;
  f.current = phase::streaming;
  f.now = session_t0 + 4s;
  f.no_clients_since = session_t0;
  f.last_upstream = f.now;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::fine);
  f.now = session_t0 + 5s;
  f.last_upstream = f.now;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::linger_over);
  f.no_clients_since.reset();
  CHECK(check(f, relay_test_limits()) == watchdog_finding::fine);
}

TEST_CASE("relay: a session that sends no first byte in time, or goes silent, is lost") {
  watchdog_facts f;
  f.current = phase::starting;
  f.start_deadline = session_t0 + 30s;
  f.now = session_t0 + 30s;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::fine);
  f.now = session_t0 + 31s;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::start_timeout);
  f.current = phase::connecting;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::start_timeout);
  f.current = phase::streaming;  // the start deadline no longer applies
  f.last_upstream = session_t0 + 25s;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::fine);
  f.now = session_t0 + 35s;
  CHECK(check(f, relay_test_limits()) == watchdog_finding::silent);
  f.current = phase::backoff;  // waiting for the next session: silence is expected
  CHECK(check(f, relay_test_limits()) == watchdog_finding::fine);
}

TEST_CASE("relay: a stopping, unhealthy or vanished engine loses its sessions for good") {
  actors::engine_record e;
  e.state = actors::engine_state::running;
  e.health = actors::health_status::healthy;
  CHECK_FALSE(engine_problem(&e));
  e.health = actors::health_status::unknown;
  CHECK_FALSE(engine_problem(&e));
  e.health = actors::health_status::unhealthy;
  CHECK(engine_problem(&e)->engine == engine_verdict::exclude);
  e.health = actors::health_status::healthy;
  e.state = actors::engine_state::stopping;
  CHECK(engine_problem(&e)->detail == "engine is being removed");
  CHECK(engine_problem(nullptr)->detail == "engine is gone");
}

TEST_CASE("relay: a failover blocked by the VPN waits for it up to PROVISION_TIMEOUT_S") {
  CHECK(may_wait_for_vpn(session_t0, session_t0 + 119s, relay_test_limits()));
  CHECK_FALSE(may_wait_for_vpn(session_t0, session_t0 + 120s, relay_test_limits()));
}
