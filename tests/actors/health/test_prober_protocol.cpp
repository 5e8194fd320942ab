#include <catch2/catch.hpp>

#include "actors/health/health_prober.hpp"
#include "actors/messages.hpp"
#include "tests/common/engine_fixtures.hpp"
#include "tests/common/provisioning_rig.hpp"

// The health_prober's replacement protocol with the provisioner and the registry, on CAF's
// deterministic scheduler with an in-memory Docker: its own breaker admits the replacement, the
// provisioner takes the replacement claim, and the old engine stays until the new one is ready.
using namespace acepool;
using namespace acepool::actors;

namespace {

config::env_map with_prober_settings(config::env_map env) {
  env.emplace("MAX_REPLICAS", "1");
  env.emplace("HEALTH_FAILURE_THRESHOLD", "1");
  env.emplace("HEALTH_UNHEALTHY_GRACE_PERIOD_S", "0");
  env.emplace("PROVISION_STARTUP_GRACE_S", "0");
  env.emplace("HEALTH_CHECK_INTERVAL_S", "3600");
  return env;
}

struct prober_rig : testing::provisioning_rig {
  caf::actor prober;

  explicit prober_rig(config::env_map env = {})
      : provisioning_rig(with_prober_settings(std::move(env))) {
    da.ask<caf::ok_atom>(registry, engine_up_atom::value, testing::running_engine("sick", 19001),
                         std::string());
    health_prober_deps deps;
    deps.registry = registry;
    deps.provisioner = provisioner;
    deps.http = testing::stopped_http_client();
    deps.published = &published;
    deps.settings = &settings;
    prober = spawn_health_prober(da.sys, *directory, deps);
    da.run();
  }
  ~prober_rig() {
    caf::anon_send_exit(prober, caf::exit_reason::user_shutdown);
    da.run();
  }

  /// A failed probe of the engine, as the async HTTP loop reports it.
  void probe_failed(const std::string& id) {
    da.self->send(prober, health_result_atom::value, id, false);
    da.run();
  }
};

}  // namespace

TEST_CASE("prober protocol: an unhealthy engine is replaced once, the old one kept meanwhile") {
  prober_rig rig;
  rig.probe_failed("sick");
  const auto& engines = rig.published.engines.load()->engines;
  REQUIRE(engines.size() == 1);
  CHECK(engines[0].health == health_status::unhealthy);
  // The replacement holds the one claim MAX_REPLICAS=1 allows beyond the sick engine.
  CHECK(rig.claims() == 1);
  CHECK(rig.docker->calls("create") == 1);
  auto health = rig.published.health.load();
  CHECK(health->replacements_started == 1);
  // More failures while the new engine starts start nothing more.
  rig.probe_failed("sick");
  rig.probe_failed("sick");
  CHECK(rig.docker->calls("create") == 1);
  CHECK(rig.published.engines.load()->engines.size() == 1);  // the old one stays until then
}

TEST_CASE("prober protocol: a failed replacement counts on the prober's breaker, which it resets") {
  prober_rig rig(config::env_map{{"CIRCUIT_BREAKER_REPLACEMENT_THRESHOLD", "1"}});
  rig.docker->fail("create", {docker::docker_errc::daemon_unreachable, 0, "refused"}, 100);
  rig.probe_failed("sick");
  for (int i = 0; i < 5; ++i)
    rig.da.advance(std::chrono::seconds(1));  // MAX_RETRIES=2: attempts at 0, 1 and 3 s
  auto now = std::chrono::steady_clock::now();
  CHECK(rig.published.health.load()->replacements_failed == 1);
  CHECK(rig.published.replacement_breaker.load()->current(now) == breaker::state::open);
  CHECK(rig.published.general_breaker.load()->failure_count() == 1);  // Docker failed for both
  CHECK(rig.published.engines.load()->engines.size() == 1);           // the old engine is kept
  REQUIRE(rig.da.ask<caf::ok_atom>(rig.prober, breaker_reset_atom::value));
  CHECK(rig.published.replacement_breaker.load()->current(now) == breaker::state::closed);
  CHECK(rig.published.general_breaker.load()->failure_count() == 1);  // not the prober's
}
