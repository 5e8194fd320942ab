#include <catch2/catch.hpp>

#include <caf/after.hpp>

#include "actors/messages.hpp"
#include "actors/pool/engine_registry.hpp"
#include "actors/provisioning/circuit_breaker.hpp"
#include "actors/provisioning/docker_worker.hpp"
#include "actors/provisioning/port_allocator.hpp"
#include "actors/provisioning/provisioner.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/store/database.hpp"
#include "config/settings_loader.hpp"
#include "support/async_http_client.hpp"
#include "tests/common/deterministic_actors.hpp"
#include "tests/common/fake_docker.hpp"

// The provisioner's protocol with the registry, the port allocator, the breaker and the Docker
// workers, on CAF's deterministic scheduler with an in-memory Docker: retries, backoff, name
// and port obstacles, the caller's mistakes and the breaker, in simulated time.
using namespace acepool;
using namespace acepool::actors;
using namespace std::chrono_literals;
using docker::docker_errc;

namespace {

constexpr const char* sim_image = "acepool/sim:latest";

struct provisioning_rig {
  testing::deterministic_actors da;
  std::shared_ptr<testing::fake_docker> docker = std::make_shared<testing::fake_docker>();
  std::shared_ptr<actor_directory> directory = std::make_shared<actor_directory>();
  published_state published;
  config::settings settings;
  docker_workers workers;
  caf::actor registry, allocator, breaker, provisioner;

  explicit provisioning_rig(config::env_map env = {}) {
    env.emplace("TARGET_IMAGE", sim_image);
    env.emplace("MIN_PROVISION_INTERVAL_S", "0");
    env.emplace("MAX_RETRIES", "2");
    env.emplace("RETRY_BACKOFF_S", "1");
    env.emplace("GENERIC_PORT_RANGE", "19450-19459");
    env.emplace("PORT_RANGE_HOST", "19400-19449");
    auto loaded = config::load_settings(env, {});
    INFO(loaded.error);
    REQUIRE(loaded.loaded);
    settings = loaded.loaded->values;
    docker->add_image(sim_image);
    docker_pool_sizes sizes{1, 2, 1, true};
    workers = spawn_docker_workers(da.sys, *directory, nullptr, sizes,
                                   [this](auto) { return docker->make_client(); });
    registry = spawn_engine_registry(da.sys, *directory, published, settings, {}, {});
    allocator = spawn_port_allocator(da.sys, *directory, settings, [](uint16_t) { return true; });
    breaker = spawn_circuit_breaker(da.sys, *directory, published, settings, nullptr);
    provisioner_deps deps;
    deps.registry = registry;
    deps.allocator = allocator;
    deps.breaker = breaker;
    deps.quick_pool = workers.quick;
    deps.removal_pool = workers.removal;
    deps.workers = workers.provisioning;
    deps.http = std::make_shared<support::async_http_client>();
    deps.published = &published;
    deps.settings = &settings;
    provisioner = spawn_provisioner(da.sys, *directory, deps);
    da.run();
  }

  ~provisioning_rig() {
    for (const auto& a : {registry, allocator, breaker, provisioner})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    workers.shutdown();
    da.run();
  }

  /// Sends a request to the provisioner; the answer, once simulated time has moved on by
  /// `waited` (in one-second steps, so retries due meanwhile run).
  template <class Request>
  std::optional<provision_result> provision(Request req, std::chrono::seconds waited = 0s) {
    if constexpr (std::is_same_v<Request, generic_request>)
      da.self->send(provisioner, provision_generic_atom::value, std::move(req));
    else
      da.self->send(provisioner, provision_engine_atom::value, std::move(req));
    da.run();
    for (auto t = 0s; t < waited; t += 1s)
      da.advance(1s);
    std::optional<provision_result> out;
    da.self->receive([&](provision_result& r) { out = std::move(r); },
                     caf::after(std::chrono::seconds(0)) >> [] {});
    return out;
  }

  int breaker_failures() const { return published.breakers.load()->general.failure_count(); }
};

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

TEST_CASE("provisioner protocol: a claim the caller holds is returned when the breaker is gone") {
  provisioning_rig rig;
  REQUIRE(*rig.da.ask<bool>(rig.registry, claim_atom::value, std::string("pool-1")));
  caf::anon_send_exit(rig.breaker, caf::exit_reason::kill);
  rig.da.run();
  engine_request e;
  e.origin = request_origin::pool;
  e.claim = "pool-1";
  auto r = rig.provision(e);
  REQUIRE(r);
  REQUIRE(r->error);
  CHECK(r->error->code == provision_code::general_error);
  CHECK(rig.published.engines.load()->claims == 0);  // the capacity is free again
}
