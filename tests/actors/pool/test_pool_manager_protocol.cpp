#include <catch2/catch.hpp>

#include "actors/messages.hpp"
#include "actors/pool/pool_manager.hpp"
#include "tests/common/engine_fixtures.hpp"
#include "tests/common/provisioning_rig.hpp"

// The pool manager's protocol with the provisioner and the registry, on CAF's deterministic
// scheduler with an in-memory Docker: it asks the provisioner for engines (it claims nothing
// itself), and the claims are counted before its next reconciliation, so it never asks twice.
using namespace acepool;
using namespace acepool::actors;
using docker::docker_errc;

namespace {

struct pool_rig : testing::provisioning_rig {
  pool_manager_handle pool_manager;

  explicit pool_rig(config::env_map env) : provisioning_rig(std::move(env)) {
    pool_manager = spawn_pool_manager(da.sys, *directory, registry, provisioner, workers.quick,
                                      settings, published);
    da.run();
  }
  ~pool_rig() {
    caf::anon_send_exit(pool_manager, caf::exit_reason::user_shutdown);
    da.run();
  }

  template <class... Ts>
  void send(Ts... xs) {
    da.self->send(pool_manager, xs...);
    da.run();
  }
};

}  // namespace

TEST_CASE("pool manager protocol: after adoption it asks for MIN_REPLICAS engines exactly once") {
  pool_rig rig(
      config::env_map{{"MIN_REPLICAS", "2"}, {"MIN_FREE_REPLICAS", "0"}, {"MAX_REPLICAS", "5"}});
  rig.send(reconcile_atom::value);
  CHECK(rig.claims() == 0);  // nothing before the docker_watcher's adoption
  rig.send(adopted_atom::value);
  CHECK(rig.claims() == 2);
  // The engines are still starting (nothing answers their readiness probes): reconciliations
  // meanwhile count the claims and ask for nothing more.
  for (int i = 0; i < 3; ++i)
    rig.send(reconcile_atom::value);
  CHECK(rig.claims() == 2);
  CHECK(rig.docker->calls("create") == 2);
}

TEST_CASE("pool manager protocol: /scale answers with the engines the provisioner admitted") {
  pool_rig rig(
      config::env_map{{"MIN_REPLICAS", "0"}, {"MIN_FREE_REPLICAS", "0"}, {"MAX_REPLICAS", "2"}});
  rig.send(adopted_atom::value);
  auto r = rig.da.ask<scale_result>(rig.pool_manager, scale_atom::value, 3);
  REQUIRE(r);
  CHECK(r->requested == 3);
  CHECK(r->scaled_to == 2);  // MAX_REPLICAS
  CHECK(r->started == 2);
  CHECK(rig.claims() == 2);
}

TEST_CASE("pool manager protocol: after a failed engine it waits instead of asking again") {
  pool_rig rig(config::env_map{{"MIN_REPLICAS", "1"},
                               {"MIN_FREE_REPLICAS", "0"},
                               {"CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1"}});
  rig.docker->fail("create", {docker_errc::daemon_unreachable, 0, "connection refused"}, 100);
  rig.send(adopted_atom::value);
  for (int i = 0; i < 4; ++i)
    rig.da.advance(std::chrono::seconds(1));  // MAX_RETRIES=2: attempts at 0, 1 and 3 s
  REQUIRE(rig.docker->calls("create") == 3);
  auto failure = rig.published.provisioning.load()->last_failure;
  REQUIRE(failure);
  CHECK(failure->rfind("docker_unavailable", 0) == 0);
  // Reconciliations during the back-off ask the provisioner for nothing: the last failure is
  // still Docker's, not a refusal by the (now open) breaker.
  for (int i = 0; i < 3; ++i)
    rig.send(reconcile_atom::value);
  CHECK(*rig.published.provisioning.load()->last_failure == *failure);
  CHECK(rig.claims() == 0);
}

TEST_CASE("pool manager protocol: scaling down removes each engine once, whatever follows") {
  pool_rig rig(config::env_map{{"MIN_REPLICAS", "0"}, {"MIN_FREE_REPLICAS", "0"}});
  for (uint16_t port : {19401, 19402, 19403}) {
    docker::container_spec spec;
    spec.name = "acestream-" + std::to_string(port);
    spec.image = testing::rig_image;
    auto id = rig.docker->create(spec);
    REQUIRE(id.ok());
    rig.da.ask<caf::ok_atom>(rig.registry, engine_up_atom::value,
                             testing::running_engine(*id, port), std::string());
  }
  rig.send(adopted_atom::value);
  auto r = rig.da.ask<scale_result>(rig.pool_manager, scale_atom::value, 1);
  REQUIRE(r);
  CHECK(r->scaled_to == 1);
  CHECK(r->stopping == 2);
  CHECK(r->started == 0);
  // Reconciliations and a /gc right after ask for nothing more: the registry's notices already
  // show the two engines stopping or gone.
  for (int i = 0; i < 3; ++i)
    rig.send(reconcile_atom::value);
  REQUIRE(rig.da.ask<gc_result>(rig.pool_manager, gc_atom::value));
  CHECK(rig.docker->calls("remove") == 2);
  CHECK(rig.published.engines.load()->engines.size() == 1);
  CHECK(rig.docker->containers().size() == 1);
}
