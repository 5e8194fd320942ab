#include <catch2/catch.hpp>

#include <caf/after.hpp>

#include "actors/messages.hpp"
#include "tests/common/engine_fixtures.hpp"
#include "tests/common/provisioning_rig.hpp"

// The provisioner's protocol with the registry, the port allocator, the breaker and the Docker
// workers, on CAF's deterministic scheduler with an in-memory Docker: retries, backoff, name
// and port obstacles, the caller's mistakes and the breaker, in simulated time.
using namespace acepool;
using namespace acepool::actors;
using namespace std::chrono_literals;
using docker::docker_errc;

namespace {

using testing::provisioning_rig;
constexpr const char* sim_image = testing::rig_image;

generic_request generic(std::map<std::string, uint16_t> ports = {}) {
  generic_request g;
  g.image = sim_image;
  g.ports = std::move(ports);
  return g;
}

}  // namespace

TEST_CASE("provisioner protocol: a generic container is created, started and answered") {
  provisioning_rig rig;
  auto r = rig.provision(generic({{"6878/tcp", 19450}}));
  REQUIRE(r);
  REQUIRE(r->ok());
  CHECK(r->container_name == "svc-1");
  auto containers = rig.docker->containers();
  REQUIRE(containers.count(r->container_id) == 1);
  CHECK(containers.at(r->container_id).running);
  CHECK(rig.docker->calls("create") == 1);
}

TEST_CASE("provisioner protocol: an unreachable daemon is retried after a backoff, then it works") {
  provisioning_rig rig;
  rig.docker->fail("create", {docker_errc::daemon_unreachable, 0, "connection refused"}, 2);
  // Backoffs of 1 s and 2 s: nothing is answered before they passed.
  CHECK_FALSE(rig.provision(generic(), 2s));
  rig.da.advance(1s);
  std::optional<provision_result> r;
  rig.da.self->receive([&](provision_result& x) { r = std::move(x); },
                       caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(r);
  CHECK(r->ok());
  CHECK(rig.docker->calls("create") == 3);
}

TEST_CASE("provisioner protocol: retries used up fail the engine and count against the breaker") {
  provisioning_rig rig;
  rig.docker->fail("create", {docker_errc::daemon_unreachable, 0, "connection refused"}, 10);
  engine_request e;
  auto r = rig.provision(e, 10s);  // MAX_RETRIES=2: attempts at 0, 1 and 3 s
  REQUIRE(r);
  REQUIRE(r->error);
  CHECK(r->error->code == provision_code::docker_unavailable);
  CHECK(rig.docker->calls("create") == 3);
  CHECK(rig.breaker_failures() == 1);
  CHECK(rig.published.engines.load()->claims == 0);  // the claim was handed back
}

TEST_CASE("provisioner protocol: Docker refusing the request is the caller's, answered at once") {
  provisioning_rig rig;
  rig.docker->fail("create", {docker_errc::bad_request, 400, "invalid port spec"}, 1);
  engine_request e;
  auto r = rig.provision(e);
  REQUIRE(r);
  REQUIRE(r->error);
  CHECK(r->error->code == provision_code::invalid_request);
  CHECK(rig.docker->calls("create") == 1);  // never retried
  CHECK(rig.breaker_failures() == 0);       // never counted
}

TEST_CASE("provisioner protocol: a taken name moves on to the next one") {
  provisioning_rig rig;
  REQUIRE(rig.provision(generic())->ok());  // svc-1 exists
  rig.docker->fail("create", {docker_errc::conflict, 409, "name in use"}, 1);
  auto r = rig.provision(generic());
  REQUIRE(r);
  REQUIRE(r->ok());
  CHECK(r->container_name != "svc-1");
  CHECK(rig.docker->containers().size() == 2);
}

TEST_CASE("provisioner protocol: a host port another process holds is skipped for an engine") {
  provisioning_rig rig;
  rig.docker->fail("start", {docker_errc::port_in_use, 500, "address already in use"}, 1);
  engine_request e;
  rig.provision(e, 1s);
  // The engine is started again on another port (then it waits for readiness probes no engine
  // answers here, so no answer yet): two starts, one container left, on a different port.
  CHECK(rig.docker->calls("start") == 2);
  CHECK(rig.docker->calls("create") == 2);
  auto alive = rig.docker->containers();
  REQUIRE(alive.size() == 1);  // the first attempt's container was removed
  CHECK(alive.begin()->second.labels.at("host.http_port") != "19400");
}

TEST_CASE("provisioner protocol: the pool's engines are answered once their capacity is claimed") {
  provisioning_rig rig(config::env_map{{"MAX_REPLICAS", "2"}});
  auto a = rig.da.ask<pool_admission>(rig.provisioner, provision_pool_atom::value, 3);
  REQUIRE(a);
  CHECK(a->admitted == 2);
  CHECK_FALSE(a->blocked_eta_s);  // the cap is the pool's own sizing, not a reason to wait
  // By the answer the registry's snapshot already counts both claims.
  CHECK(rig.published.engines.load()->claims == 2);
}

TEST_CASE("provisioner protocol: a pool engine that fails later is reported to the pool manager") {
  provisioning_rig rig;
  rig.docker->fail("create", {docker_errc::daemon_unreachable, 0, "connection refused"}, 10);
  auto a = rig.da.ask<pool_admission>(rig.provisioner, provision_pool_atom::value, 1);
  REQUIRE(a);
  CHECK(a->admitted == 1);
  for (int i = 0; i < 10; ++i)
    rig.da.advance(std::chrono::seconds(1));  // MAX_RETRIES=2: attempts at 0, 1 and 3 s
  std::optional<int> wait_s;
  rig.da.self->receive([&](pool_provision_failed_atom, int eta) { wait_s = eta; },
                       caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(wait_s);
  CHECK(*wait_s > 0);
  CHECK(rig.published.engines.load()->claims == 0);  // the claim was handed back
}

TEST_CASE("provisioner protocol: an open breaker refuses the pool's engines with a time to wait") {
  provisioning_rig rig(config::env_map{{"CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1"}});
  rig.docker->fail("create", {docker_errc::daemon_unreachable, 0, "connection refused"}, 10);
  engine_request e;
  REQUIRE(rig.provision(e, 10s)->error);  // one failure opens the breaker
  REQUIRE(rig.published.general_breaker.load()->current(std::chrono::steady_clock::now()) ==
          breaker::state::open);
  auto a = rig.da.ask<pool_admission>(rig.provisioner, provision_pool_atom::value, 2);
  REQUIRE(a);
  CHECK(a->admitted == 0);
  REQUIRE(a->blocked_eta_s);
  CHECK(*a->blocked_eta_s > 0);
  CHECK(rig.published.engines.load()->claims == 0);
  // The breaker's reset belongs to the provisioner too.
  REQUIRE(rig.da.ask<caf::ok_atom>(rig.provisioner, breaker_reset_atom::value));
  CHECK(rig.breaker_failures() == 0);
}

TEST_CASE("provisioner protocol: a replacement may pass the cap by one while its engine exists") {
  provisioning_rig rig(config::env_map{{"MAX_REPLICAS", "1"}});
  rig.da.ask<caf::ok_atom>(rig.registry, engine_up_atom::value,
                           testing::running_engine("old-engine", 19001), std::string());
  engine_request plain;
  auto refused = rig.provision(plain);
  REQUIRE(refused);
  REQUIRE(refused->error);
  CHECK(refused->error->code == provision_code::max_capacity);
  engine_request replacement;
  replacement.origin = request_origin::replacement;
  replacement.replaces = "old-engine";
  CHECK_FALSE(rig.provision(replacement));  // admitted: starting, no answer yet
  CHECK(rig.claims() == 1);
  engine_request orphan;
  orphan.origin = request_origin::replacement;
  orphan.replaces = "nobody";
  auto none = rig.provision(orphan);
  REQUIRE(none);
  REQUIRE(none->error);
  CHECK(none->error->code == provision_code::max_capacity);
  CHECK(rig.breaker_failures() == 0);  // capacity is never the breaker's business
}

TEST_CASE("provisioner protocol: a removal answers the container id, not_found or why it failed") {
  provisioning_rig rig;
  auto remove = [&](const std::string& key) {
    return rig.da.ask_or_error<std::string>(rig.provisioner, remove_container_atom::value, key,
                                            std::string("api"));
  };
  auto first = rig.provision(generic());
  auto second = rig.provision(generic());
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(first->ok());

  auto removed = remove(first->container_id);
  REQUIRE(removed);
  CHECK(*removed == first->container_id);
  CHECK(rig.docker->containers().count(first->container_id) == 0);

  auto ghost = remove("0123456789ab");
  REQUIRE_FALSE(ghost);
  REQUIRE(as_request_failure(ghost.error()));
  CHECK(as_request_failure(ghost.error())->code == request_error::not_found);

  rig.docker->fail("remove", {docker_errc::daemon_unreachable, 0, "connection refused"});
  auto refused = remove(second->container_id);
  REQUIRE_FALSE(refused);
  auto failure = as_request_failure(refused.error());
  REQUIRE(failure);
  CHECK(failure->code == request_error::failed);
  CHECK(failure->detail == "removal failed: connection refused");
  CHECK(rig.docker->containers().count(second->container_id) == 1);
}
