#include <catch2/catch.hpp>

#include "actors/provisioning/provision_failure.hpp"
#include "actors/provisioning/provision_slots.hpp"
#include "actors/provisioning/provision_types.hpp"

using namespace acepool::actors;
using acepool::docker::docker_errc;
using namespace std::chrono_literals;

TEST_CASE("provisioning: operations wait in order for a free slot") {
  provision_slots s(2);
  s.enqueue(1);
  s.enqueue(2);
  s.enqueue(3);
  auto started = s.start_waiting();
  REQUIRE(started.size() == 2);
  CHECK(started[0].second == 1);
  CHECK(started[1].second == 2);
  CHECK(s.running() == 2);
  CHECK(s.queued() == 1);
  CHECK(s.start_waiting().empty());  // no slot free
  s.release(started[1].first);
  auto next = s.start_waiting();
  REQUIRE(next.size() == 1);
  CHECK(next[0] == std::make_pair(started[1].first, uint64_t{3}));
}

TEST_CASE("provisioning: an operation whose deadline passed while it waited leaves the queue") {
  provision_slots s(1);
  s.enqueue(1);
  s.start_waiting();
  s.enqueue(2);
  s.enqueue(3);
  s.forget(2);
  s.release(0);
  CHECK(s.start_waiting().at(0).second == 3);
}

TEST_CASE("provisioning: admission counts every admitted operation against slots plus queue") {
  provision_slots s(2);
  CHECK(s.admits(0, 0));
  CHECK(s.admits(1, 0));
  CHECK_FALSE(s.admits(2, 0));  // two running, nothing may wait
  CHECK(s.admits(4, 3));
  CHECK_FALSE(s.admits(5, 3));
}

TEST_CASE("provisioning: a port clash takes another port for engines, is the caller's otherwise") {
  auto engine = judge_docker_failure(docker_errc::port_in_use, true, {1, 0});
  CHECK(engine.action == failure_action::other_port);
  CHECK(engine.quarantine_ports);
  auto generic = judge_docker_failure(docker_errc::port_in_use, false, {1, 0});
  CHECK(generic.action == failure_action::fail);
  CHECK(generic.code == provision_code::invalid_request);
  CHECK(generic.quarantine_ports);
  auto endless = judge_docker_failure(docker_errc::port_in_use, true, {11, 0}, {10, 20});
  CHECK(endless.action == failure_action::fail);
  CHECK(endless.code == provision_code::general_error);
  CHECK_FALSE(endless.quarantine_ports);
}

TEST_CASE("provisioning: a name conflict tries the next name, a bounded number of times") {
  CHECK(judge_docker_failure(docker_errc::conflict, true, {0, 1}).action ==
        failure_action::next_name);
  auto last = judge_docker_failure(docker_errc::conflict, true, {0, 21}, {10, 20});
  CHECK(last.action == failure_action::fail);
}

TEST_CASE("provisioning: only failures that may go away are retried") {
  CHECK(judge_docker_failure(docker_errc::daemon_unreachable, true, {}).action ==
        failure_action::retry);
  CHECK(judge_docker_failure(docker_errc::daemon_unreachable, true, {}).code ==
        provision_code::docker_unavailable);
  CHECK(judge_docker_failure(docker_errc::other, true, {}).action == failure_action::retry);
  CHECK(judge_docker_failure(docker_errc::timeout, true, {}).action == failure_action::retry);
  auto missing = judge_docker_failure(docker_errc::image_missing, true, {});
  CHECK(missing.action == failure_action::fail);
  CHECK(missing.code == provision_code::image_missing);
  auto refused = judge_docker_failure(docker_errc::bad_request, true, {});
  CHECK(refused.action == failure_action::fail);
  CHECK(refused.code == provision_code::invalid_request);
  CHECK_FALSE(counts_against_breaker(refused.code));  // the caller's mistake
  // Every swarm node at MAX_REPLICAS_PER_NODE: answered at once, and not a failure of Docker.
  auto full = judge_docker_failure(docker_errc::no_node, true, {});
  CHECK(full.action == failure_action::fail);
  CHECK(full.code == provision_code::no_node);
  CHECK_FALSE(counts_against_breaker(full.code));
  CHECK(counts_against_breaker(provision_code::docker_unavailable));
  CHECK_FALSE(counts_against_breaker(provision_code::max_capacity));
}

TEST_CASE("provisioning: retries back off exponentially until MAX_RETRIES is used up") {
  CHECK(retry_backoff(1, 3, 500ms) == 500ms);
  CHECK(retry_backoff(2, 3, 500ms) == 1000ms);
  CHECK(retry_backoff(3, 3, 500ms) == 2000ms);
  CHECK_FALSE(retry_backoff(4, 3, 500ms));
  CHECK(retry_backoff(30, 100, 1ms) == 1024ms);  // the exponent is capped
}

TEST_CASE(
    "provisioning: no Swarm node for an engine is 503, blocked, retryable, never the breaker's") {
  using acepool::actors::provision_code;
  CHECK(acepool::actors::http_status(provision_code::no_node, false) == 503);
  CHECK(acepool::actors::http_status(provision_code::no_node, true) == 503);
  CHECK_FALSE(acepool::actors::counts_against_breaker(provision_code::no_node));
  auto body = acepool::actors::error_body({provision_code::no_node, "no suitable node", {}});
  CHECK(body["detail"]["code"] == "no_node");
  CHECK(body["detail"]["error"] == "provisioning_blocked");
  CHECK(body["detail"]["can_retry"] == true);
}
