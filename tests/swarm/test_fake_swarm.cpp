// ORCHESTRATOR=swarm over several nodes, which one host cannot show with the real daemon: the
// acepool binary against the simulator's fake Swarm manager (`acepool-sim swarm`, every task an
// engine process on 127.0.0.1), with nodes lost, drained and full.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/panel_check.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// A fake swarm of `nodes` nodes and an acepool in swarm mode driving it.
struct fake_swarm_pool {
  explicit fake_swarm_pool(int nodes, std::map<std::string, std::string> extra, bool manager = true)
      : swarm(
            {{"SWARM_SIM_NODES", std::to_string(nodes)}, {"SWARM_SIM_WORKER", manager ? "0" : "1"}},
            "swarm"),
        ace(env(extra)) {}

  std::map<std::string, std::string> env(std::map<std::string, std::string> extra) const {
    std::map<std::string, std::string> e{
        {"ORCHESTRATOR", "swarm"},
        {"DOCKER_HOST", "tcp://127.0.0.1:" + std::to_string(swarm.port())},
        {"PORT_RANGE_HOST", ports.range()},
        {"MIN_REPLICAS", "0"},
        {"MIN_FREE_REPLICAS", "0"},
        {"MIN_PROVISION_INTERVAL_S", "0.05"},
        {"HEALTH_CHECK_INTERVAL_S", "1"}};
    for (auto& [k, v] : extra)
      e[k] = v;
    return e;
  }

  /// Sets a node's state or availability as the fake's control API does.
  void set_node(const std::string& node, const std::string& query) {
    http_request req;
    req.method = "POST";
    req.url = swarm.url("/sim/swarm/nodes/" + node + "?" + query);
    auto r = http_call(req);
    REQUIRE(r.status == 200);
  }

  /// The healthy engines by container id → node id.
  std::map<std::string, std::string> healthy_engines() const {
    std::map<std::string, std::string> out;
    for (const auto& e : ace.engines())
      if (e.value("health_status", "") == "healthy" && e["node"].is_string())
        out[e["container_id"].get<std::string>()] = e["node"].get<std::string>();
    return out;
  }

  /// /orchestrator/status's docker.nodes by hostname.
  std::map<std::string, json> status_nodes() const {
    std::map<std::string, json> out;
    auto status = json::parse(ace.get("/orchestrator/status").body, nullptr, false);
    for (const auto& n : status["docker"]["nodes"])
      out[n["hostname"].get<std::string>()] = n;
    return out;
  }

  sim_process swarm;
  port_block ports;
  acepool_process ace;
};

/// The value of the series of `family` whose labels contain `label`, or -1.
double series_value(const std::string& text, const std::string& family, const std::string& label) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(family + "{", 0) == 0 && line.find(label) != std::string::npos)
      return std::stod(line.substr(line.rfind(' ') + 1));
  return -1;
}

}  // namespace

TEST_CASE("fake swarm: engines spread over the nodes, status and metrics count them per node") {
  fake_swarm_pool pool(3, {{"MIN_REPLICAS", "3"}, {"MAX_REPLICAS", "6"}});
  REQUIRE(eventually([&] { return pool.healthy_engines().size() == 3; }, 60s));
  std::set<std::string> nodes;
  for (const auto& [id, node] : pool.healthy_engines())
    nodes.insert(node);
  CHECK(nodes.size() == 3);  // Swarm placed each on the node running the fewest
  for (const auto& e : pool.ace.engines())
    CHECK(e["node_addr"] == "127.0.0.1");
  REQUIRE(eventually([&] { return pool.status_nodes().size() == 3; }, 20s));
  for (const auto& [hostname, n] : pool.status_nodes()) {
    INFO(n.dump());
    CHECK(n["state"] == "ready");
    CHECK(n["engines"] == 1);
    CHECK(n["healthy_engines"] == 1);
    CHECK(n["local"] == false);  // DOCKER_HOST is tcp://: acepool's own node is unknown
  }
  auto scrape = pool.ace.get("/metrics").body;
  for (const char* host : {"sim-node-1", "sim-node-2", "sim-node-3"}) {
    std::string label = std::string("hostname=\"") + host + "\"";
    CHECK(series_value(scrape, "acepool_swarm_node_engines", label) == 1);
    CHECK(series_value(scrape, "acepool_swarm_node_up", label) == 1);
  }
  // The panel shows the same: the nodes on the overview, each engine's node in its row.
  auto report = check_panel(pool.ace,
                            {{"mode", "swarm"},
                             {"api_key", ""},
                             {"swarm_nodes", {"sim-node-1", "sim-node-2", "sim-node-3"}}},
                            120s);
  INFO(report.dump());
  CHECK(report.value("swarm_nodes_shown", 0) == 3);
  CHECK(report.value("engine_nodes_named", false));
}

TEST_CASE("fake swarm: a node lost mid-stream: the viewer fails over and its engine moves") {
  // Engines on the two workers only (a constraint the fake evaluates as Swarm does).
  fake_swarm_pool pool(3, {{"MIN_REPLICAS", "2"},
                           {"MAX_REPLICAS", "4"},
                           {"SWARM_CONSTRAINTS", "node.role!=manager"},
                           {"MONITOR_INTERVAL_S", "30"}});
  REQUIRE(eventually([&] { return pool.healthy_engines().size() == 2; }, 60s));
  stream_reader viewer(pool.ace.url("/ace/getstream?id=node-loss"));
  REQUIRE(viewer.wait_for_bytes(300'000, 30s));
  std::string engine, lost;
  REQUIRE(eventually(
      [&] {
        auto streams = json::parse(pool.ace.get("/streams").body, nullptr, false);
        if (!streams.is_array() || streams.empty()) return false;
        engine = streams[0]["container_id"].get<std::string>();
        lost = pool.healthy_engines()[engine];
        return !lost.empty();
      },
      20s));
  pool.set_node(lost, "state=down");
  // The viewer's connection stays up and keeps receiving, from the engine on the other node.
  auto before = viewer.bytes();
  CHECK(viewer.wait_for_bytes(before + 500'000, 30s));
  CHECK_FALSE(viewer.finished());
  // Swarm started the lost engine's task on the remaining worker; acepool follows it there
  // (a node event, not the 30 s sync) and it is healthy again under the same service id.
  CHECK(eventually(
      [&] {
        auto engines = pool.healthy_engines();
        return engines.size() == 2 && engines.count(engine) == 1 && engines[engine] != lost;
      },
      25s));
  auto nodes = pool.status_nodes();
  std::string lost_host;
  for (const auto& [hostname, n] : nodes)
    if (n["id"] == lost) lost_host = hostname;
  REQUIRE_FALSE(lost_host.empty());
  CHECK(nodes[lost_host]["state"] == "down");
  CHECK(nodes[lost_host]["engines"] == 0);
  CHECK(series_value(pool.ace.get("/metrics").body, "acepool_swarm_node_up",
                     "hostname=\"" + lost_host + "\"") == 0);
}

TEST_CASE("fake swarm: MAX_REPLICAS_PER_NODE keeps engines apart, a full swarm answers 503") {
  fake_swarm_pool pool(2, {{"MAX_REPLICAS", "5"}, {"MAX_REPLICAS_PER_NODE", "1"}});
  // Another service on node 2: Swarm alone (fewest tasks, then the first node) would put the
  // second engine beside the first; only the cap's exclusion sends it to node 2.
  http_request filler;
  filler.method = "POST";
  filler.url = pool.swarm.url("/v1.43/services/create");
  filler.body = json{{"Name", "not-an-engine"},
                     {"TaskTemplate",
                      {{"ContainerSpec", {{"Image", "x"}}},
                       {"Placement", {{"Constraints", {"node.hostname==sim-node-2"}}}}}}}
                    .dump();
  REQUIRE(http_call(filler).status == 201);
  for (int i = 0; i < 2; ++i) {
    auto r = pool.ace.post("/provision/acestream", "{}");
    INFO(r.body);
    REQUIRE(r.status == 200);
  }
  REQUIRE(eventually([&] { return pool.healthy_engines().size() == 2; }, 30s));
  std::set<std::string> nodes;
  for (const auto& [id, node] : pool.healthy_engines())
    nodes.insert(node);
  CHECK(nodes.size() == 2);
  auto full = pool.ace.post("/provision/acestream", "{}");
  INFO(full.body);
  CHECK(full.status == 503);
  auto body = json::parse(full.body, nullptr, false);
  CHECK(body["detail"]["code"] == "no_node");
  CHECK_THAT(full.body, Catch::Contains("MAX_REPLICAS_PER_NODE (1)"));
  CHECK(pool.ace.engines().size() == 2);
}

TEST_CASE("fake swarm: DOCKER_HOST that is not a manager is named in /health/ready") {
  fake_swarm_pool pool(1, {}, /*manager=*/false);
  http_reply ready;
  CHECK(eventually(
      [&] {
        ready = pool.ace.get("/health/ready");
        return ready.body.find("not a swarm manager") != std::string::npos;
      },
      20s));
  INFO(ready.body);
  CHECK(ready.status == 503);
}

TEST_CASE("fake swarm: a task killed: the engine waits out Swarm's restart, no replacement made") {
  fake_swarm_pool pool(2, {{"MIN_REPLICAS", "2"}, {"MAX_REPLICAS", "4"}});
  REQUIRE(eventually([&] { return pool.healthy_engines().size() == 2; }, 60s));
  auto before = pool.healthy_engines();
  auto victim = before.begin()->first;
  http_request kill;
  kill.method = "POST";
  kill.url = pool.swarm.url("/sim/swarm/services/" + victim + "/kill");
  REQUIRE(http_call(kill).status == 200);
  // Swarm holds the replacement task `ready` for its 5 s delay: the engine stays in the pool
  // (not replaced: still two services) but is never offered a stream meanwhile.
  std::this_thread::sleep_for(2500ms);
  CHECK(pool.ace.engines().size() == 2);
  auto services = [&] {
    int n = 0;
    auto swarm = json::parse(http_get(pool.swarm.url("/sim/swarm")).body, nullptr, false);
    for (const auto& node : swarm["nodes"])
      n += static_cast<int>(node["services"].size());
    return n;
  };
  CHECK(services() == 1);  // only the other engine's task runs now
  stream_reader viewer(pool.ace.url("/ace/getstream?id=during-restart"));
  CHECK(viewer.wait_for_bytes(100'000, 20s));
  auto streams = json::parse(pool.ace.get("/streams").body, nullptr, false);
  REQUIRE(streams.size() == 1);
  CHECK(streams[0]["container_id"] != victim);
  CHECK(eventually([&] { return pool.healthy_engines().size() == 2 && services() == 2; }, 30s));
  CHECK(pool.healthy_engines().count(victim) == 1);
}
