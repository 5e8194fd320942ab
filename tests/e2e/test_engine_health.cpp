// Engine health against engine containers made unhealthy or hung at run time: transitions,
// isolation of a hung engine, replacement (new engine first, then the old one), static engines.
#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/engine_endpoint.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_events.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// Probes every 0.3 s, unhealthy after 2 failures, no startup grace.
std::map<std::string, std::string> health_env(const docker_run_scope& run, const port_block& ports,
                                              std::map<std::string, std::string> extra) {
  for (auto [k, v] : std::map<std::string, std::string>{{"HEALTH_CHECK_INTERVAL_S", "0.3"},
                                                        {"HEALTH_PROBE_TIMEOUT_S", "1"},
                                                        {"HEALTH_FAILURE_THRESHOLD", "2"},
                                                        {"PROVISION_STARTUP_GRACE_S", "0"}})
    extra.emplace(k, v);
  return pool_env(run, ports, extra);
}

json engine_by_id(const acepool_process& ace, const std::string& id) {
  for (const auto& e : ace.engines())
    if (e["container_id"] == id) return e;
  return nullptr;
}

std::string health_of(const acepool_process& ace, const std::string& id) {
  auto e = engine_by_id(ace, id);
  return e.is_null() ? "gone" : e["health_status"].get<std::string>();
}

}  // namespace

TEST_CASE("health: a hung engine turns unhealthy while the others keep being probed, it recovers") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(
      health_env(run, ports, {{"MIN_REPLICAS", "2"}, {"HEALTH_UNHEALTHY_GRACE_PERIOD_S", "3600"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));
  auto engines = ace.engines();
  auto hung = engines[0]["container_id"].get<std::string>();
  auto fine = engines[1]["container_id"].get<std::string>();
  engine_endpoint(engines[0]["port"].get<uint16_t>()).control({{"SIM_HANG", "status"}});
  REQUIRE(eventually([&] { return health_of(ace, hung) == "unhealthy"; }, 15s));
  // The healthy engine's probes go on while the hung one's wait out their timeout.
  auto checked = engine_by_id(ace, fine)["last_health_check"].get<std::string>();
  REQUIRE(eventually([&] { return engine_by_id(ace, fine)["last_health_check"] != checked; }, 5s));
  CHECK(health_of(ace, fine) == "healthy");
  auto hs = json_of(ace.get("/health/status"));
  CHECK(hs["unhealthy_engines"] == 1);
  CHECK(hs["healthy_engines"] == 1);
  auto os = json_of(ace.get("/orchestrator/status"));
  CHECK(os["engines"]["unhealthy"] == 1);
  CHECK(os["capacity"]["available"] == 1);  // an unhealthy engine takes no streams
  auto scores = json_of(ace.get("/engines/health-score"));
  CHECK(scores[0]["container_id"] == fine);
  CHECK(scores[1]["health_score"] == 50);
  CHECK_THAT(ace.get("/metrics").body,
             Catch::Contains("acepool_health_transitions_total{to=\"unhealthy\"} 1"));
  engine_endpoint(engine_by_id(ace, hung)["port"].get<uint16_t>()).control({{"SIM_HANG", ""}});
  REQUIRE(eventually([&] { return health_of(ace, hung) == "healthy"; }, 15s));
  CHECK(ace.engines().size() == 2);  // within the grace period nothing is replaced
}

TEST_CASE("health: an engine unhealthy past the grace period is replaced, new engine first") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  // MAX_REPLICAS = MIN_REPLICAS: the replacement may exceed the cap by one while the old drains.
  acepool_process ace(health_env(run, ports,
                                 {{"MIN_REPLICAS", "2"},
                                  {"MAX_REPLICAS", "2"},
                                  {"HEALTH_UNHEALTHY_GRACE_PERIOD_S", "1"},
                                  {"HEALTH_REPLACEMENT_COOLDOWN_S", "1"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));
  auto sick = ace.engines()[0];
  auto sick_id = sick["container_id"].get<std::string>();
  // An event-reported stream on it ends with the engine.
  auto sid =
      json_of(report_stream(ace, sick["port"].get<uint16_t>(), "on-sick"))["id"].get<std::string>();
  engine_endpoint(sick["port"].get<uint16_t>()).control({{"SIM_UNHEALTHY", true}});
  REQUIRE(eventually([&] { return health_of(ace, sick_id) == "gone"; }, 30s));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));
  for (const auto& e : ace.engines())
    CHECK(e["health_status"] == "healthy");
  REQUIRE(eventually(
      [&] { return json_of(ace.get("/health/status"))["replacements"]["succeeded"] == 1; }, 10s));
  auto hs = json_of(ace.get("/health/status"));
  CHECK(hs["replacements"]["failed"] == 0);
  CHECK(hs["circuit_breakers"]["replacement"]["state"] == "closed");
  auto ended = json_of(ace.get(stream_path(sid)));
  CHECK(ended["end_reason"] == "engine_removed");
  // New first: the replacement was ready before the old engine's removal began.
  auto log = ace.process().stderr_text();
  auto ready = log.find("\"msg\":\"engine.replacement_ready\"");
  auto removal = log.find("\"msg\":\"engine.removed\"");
  REQUIRE(ready != std::string::npos);
  REQUIRE(removal != std::string::npos);
  CHECK(ready < removal);
  REQUIRE(eventually([&] { return managed_containers(run, false).size() == 2; }, 20s));
}

TEST_CASE("health: static engines are probed and selectable but never replaced or sized") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process outside;
  auto static_id = "static-127.0.0.1-" + std::to_string(outside.port());
  acepool_process ace(health_env(run, ports,
                                 {{"STATIC_ENGINES", "127.0.0.1:" + std::to_string(outside.port())},
                                  {"MIN_REPLICAS", "1"},
                                  {"HEALTH_UNHEALTHY_GRACE_PERIOD_S", "0"},
                                  {"HEALTH_REPLACEMENT_COOLDOWN_S", "0"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));  // MIN_REPLICAS ignores it
  CHECK(engine_by_id(ace, static_id)["state"] == "static");
  REQUIRE(eventually([&] { return health_of(ace, static_id) == "healthy"; }, 10s));
  // acexy's view of it is localhost:<port>.
  auto stream = json_of(report_stream(ace, outside.port(), "outside"));
  CHECK(stream["container_id"] == static_id);
  outside.control({{"SIM_UNHEALTHY", true}});
  REQUIRE(eventually([&] { return health_of(ace, static_id) == "unhealthy"; }, 10s));
  std::this_thread::sleep_for(2s);  // well past the grace period and cooldown
  CHECK(health_of(ace, static_id) == "unhealthy");
  CHECK(ace.engines().size() == 2);
  CHECK(json_of(ace.get("/health/status"))["replacements"]["started"] == 0);
  CHECK(managed_containers(run, false).size() == 1);
}
