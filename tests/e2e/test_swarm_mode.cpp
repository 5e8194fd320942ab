// ORCHESTRATOR=swarm against the real daemon in a single-node swarm (created by the test when
// the daemon is in none, and left afterwards): engines are services, acepool reaches them on
// their node's published port, streams through them, and adopts them after a restart.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_reader.hpp"
#include "tests/common/swarm_env.hpp"

using namespace acepool::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

bool one_healthy_engine(const acepool_process& ace) {
  auto engines = ace.engines();
  return engines.size() == 1 && engines[0].value("health_status", "") == "healthy";
}

}  // namespace

TEST_CASE("swarm: engines are services that stream through the relay and outlive a restart") {
  require_docker();
  docker_run_scope run;
  swarm_scope swarm(run);
  port_block ports;
  auto env = pool_env(run, ports,
                      {{"ORCHESTRATOR", "swarm"},
                       {"MIN_REPLICAS", "1"},
                       {"MAX_REPLICAS", "2"},
                       {"ENGINE_CPU_LIMIT", "0.5"},
                       {"HEALTH_CHECK_INTERVAL_S", "1"}});
  std::string engine;
  {
    acepool_process ace(env);
    REQUIRE(eventually([&] { return one_healthy_engine(ace); }, 120s));
    auto e = ace.engines()[0];
    engine = e["container_id"].get<std::string>();
    // The engine is a Swarm service (its id is the service's), reached on its node's address.
    CHECK(swarm.service_exists(engine));
    if (swarm.created()) {  // our single-node swarm advertises 127.0.0.1
      CHECK(e["host"] == "127.0.0.1");
      CHECK(e["node_addr"] == "127.0.0.1");
    }
    CHECK(e["node"].is_string());
    CHECK_FALSE(e["node"].get<std::string>().empty());
    CHECK(e["port"].get<int>() >= ports.low());
    CHECK(e["port"].get<int>() <= ports.high());
    stream_reader reader(ace.url("/ace/getstream?id=swarm-relay"));
    CHECK(reader.wait_for_bytes(200'000, 60s));
    CHECK(reader.report().sync_errors == 0);
  }
  // A new acepool adopts the running service instead of starting another.
  acepool_process again(env);
  REQUIRE(eventually([&] { return one_healthy_engine(again); }, 60s));
  CHECK(again.engines()[0]["container_id"] == engine);
  // Deleting it through the API removes the service (Swarm would start its task again).
  auto del = again.del("/containers/" + engine);
  CHECK(del.status == 200);
  CHECK(eventually([&] { return !swarm.service_exists(engine); }, 30s));
}

TEST_CASE("swarm: with the only node drained no engine can start, and provisioning says why") {
  require_docker();
  docker_run_scope run;
  swarm_scope swarm(run);
  if (!swarm.created()) {
    WARN("the daemon's own swarm: its nodes are not this test's to drain");
    return;
  }
  REQUIRE(swarm.set_availability("drain"));
  port_block ports;
  acepool_process ace(pool_env(
      run, ports, {{"ORCHESTRATOR", "swarm"}, {"STARTUP_TIMEOUT_S", "3"}, {"MAX_RETRIES", "0"}}));
  // At once (no service left pending, no retry), in Swarm's words.
  auto started = std::chrono::steady_clock::now();
  auto r = ace.post("/provision/acestream", "{}");
  INFO(r.body);
  CHECK(r.status == 503);
  CHECK(json::parse(r.body, nullptr, false)["detail"]["code"] == "no_node");
  CHECK_THAT(r.body, Catch::Contains("no suitable node"));
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(ace.engines().empty());
  CHECK(swarm.service_count() == 0);
  // The status says why nothing can start.
  CHECK(eventually(
      [&] {
        auto status = json::parse(ace.get("/orchestrator/status").body, nullptr, false);
        return status["provisioning"]["blocked_reason_details"]["code"] == "no_node";
      },
      20s));
}

TEST_CASE("swarm: an engine task killed: the viewer fails over, Swarm restarts the task") {
  require_docker();
  docker_run_scope run;
  swarm_scope swarm(run);
  port_block ports;
  acepool_process ace(pool_env(run, ports,
                               {{"ORCHESTRATOR", "swarm"},
                                {"MIN_REPLICAS", "2"},
                                {"MAX_REPLICAS", "3"},
                                {"HEALTH_CHECK_INTERVAL_S", "1"}}));
  auto healthy = [&] {
    std::set<std::string> ids;
    for (const auto& e : ace.engines())
      if (e.value("health_status", "") == "healthy")
        ids.insert(e["container_id"].get<std::string>());
    return ids;
  };
  REQUIRE(eventually([&] { return healthy().size() == 2; }, 120s));
  auto before = healthy();
  stream_reader viewer(ace.url("/ace/getstream?id=swarm-task-killed"));
  REQUIRE(viewer.wait_for_bytes(300'000, 60s));
  std::string engine;
  REQUIRE(eventually(
      [&] {
        auto streams = json::parse(ace.get("/streams").body, nullptr, false);
        if (!streams.is_array() || streams.empty()) return false;
        engine = streams[0]["container_id"].get<std::string>();
        return true;
      },
      20s));
  REQUIRE(swarm.kill_task_container(engine));
  // The viewer stays connected and is served by the other engine.
  auto at_kill = viewer.bytes();
  CHECK(viewer.wait_for_bytes(at_kill + 500'000, 60s));
  CHECK_FALSE(viewer.finished());
  // Swarm started the task again (restart policy any): the same service is a healthy engine,
  // and acepool did not make a third.
  CHECK(eventually([&] { return healthy() == before; }, 90s));
  INFO(ace.engines().dump());
  CHECK(healthy() == before);
  CHECK(swarm.service_count() == 2);
}
