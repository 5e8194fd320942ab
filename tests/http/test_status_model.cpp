#include <catch2/catch.hpp>

#include "config/settings_loader.hpp"
#include "http/status_model.hpp"

using namespace acepool;
using namespace acepool::actors;
using namespace std::chrono_literals;
using nlohmann::json;
using engine_health = acepool::actors::health_status;

namespace {

/// Every snapshot a status is computed from, with a pool of `engines` idle healthy engines.
struct status_world {
  explicit status_world(int engines,
                        config::env_map env = {{"MAX_REPLICAS", "4"}, {"MIN_REPLICAS", "1"}}) {
    auto r = config::load_settings(env, {});
    REQUIRE(r.loaded);
    settings = r.loaded->values;
    docker.reachable = true;
    for (int i = 0; i < engines; ++i)
      add_engine("e" + std::to_string(i), engine_health::healthy);
  }
  engine_record& add_engine(const std::string& id, engine_health h) {
    engine_record e;
    e.container_id = id;
    e.port = static_cast<uint16_t>(19000 + this->engines.engines.size());
    e.health = h;
    this->engines.engines.push_back(e);
    return this->engines.engines.back();
  }
  void add_stream(const std::string& id, const std::string& engine, bool ended = false) {
    auto s = std::make_shared<stream_record>();
    s->id = id;
    s->container_id = engine;
    s->ended = ended;
    if (ended) {
      streams.ended.push_back(
          std::make_shared<const std::vector<streams_snapshot::record_ptr>>(1, s));
      ++streams.ended_count;
      return;
    }
    streams.active.push_back(s);
    for (auto& e : engines.engines)
      if (e.container_id == engine) e.streams.push_back(id);
  }
  http::status_inputs in() const {
    return {engines,      streams, health, general_breaker, replacement_breaker,
            provisioning, docker,  vpn,    settings,        now};
  }

  config::settings settings;
  engines_snapshot engines;
  streams_snapshot streams;
  health_snapshot health;
  breaker general_breaker{5, std::chrono::minutes(5)};
  breaker replacement_breaker{3, std::chrono::minutes(3)};
  provisioning_snapshot provisioning;
  docker_snapshot docker;
  vpn_snapshot vpn;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
};

void open_general_breaker(status_world& w) {
  w.general_breaker = breaker(1, 60s);
  w.general_breaker.record_failure(w.now - 10s, std::chrono::system_clock::now());
}

}  // namespace

TEST_CASE("status: engines, streams and capacity counted from the snapshots") {
  status_world w(3);
  w.add_engine("sick", engine_health::unhealthy);
  w.add_stream("s1", "e0");
  w.add_stream("s2", "e1");
  w.add_stream("old", "e1", true);
  w.health.marked_for_replacement = 1;
  auto s = http::orchestrator_status(w.in());
  CHECK(s["engines"]["total"] == 4);
  CHECK(s["engines"]["healthy"] == 3);
  CHECK(s["engines"]["unhealthy"] == 1);
  CHECK(s["engines"]["marked_for_replacement"] == 1);
  CHECK(s["streams"] == json{{"active", 2}, {"total", 3}});
  CHECK(s["capacity"]["used"] == 2);  // engines with a stream
  CHECK(s["capacity"]["available"] ==
        1);  // e2 (MAX_STREAMS_PER_ENGINE 1; the sick one has no room)
  CHECK(s["status"] == "healthy");
  auto h = http::health_status(w.in());
  CHECK(h["marked_for_replacement"] == 1);
  CHECK(h["unhealthy_engines"] == 1);
}

TEST_CASE("status: an open breaker blocks provisioning and degrades the status") {
  status_world w(1);
  open_general_breaker(w);
  auto s = http::orchestrator_status(w.in());
  CHECK(s["status"] == "degraded");
  CHECK(s["provisioning"]["can_provision"] == false);
  CHECK(s["provisioning"]["blocked_reason"] == "Circuit breaker is open");
  CHECK(s["provisioning"]["blocked_reason_details"]["code"] == "circuit_breaker");
  CHECK(s["provisioning"]["blocked_reason_details"]["recovery_eta_seconds"] == 50);
  CHECK(s["provisioning"]["blocked_reason_details"]["can_retry"] == false);
  CHECK(s["provisioning"]["blocked_reason_details"]["should_wait"] == true);
  CHECK_THAT(s["provisioning"]["blocked_reason_details"]["message"].get<std::string>(),
             Catch::Contains("circuit breaker is open"));
  CHECK(s["provisioning"]["circuit_breaker_state"] == "open");
  // The orchestrator's last_failure is the breaker's last failure time.
  CHECK(s["provisioning"]["last_failure"].get<std::string>().back() == 'Z');
}

TEST_CASE("status: the breaker takes precedence over max capacity, which alone is not degraded") {
  status_world full(4);
  auto capacity = http::orchestrator_status(full.in());
  CHECK(capacity["status"] == "healthy");
  CHECK(capacity["provisioning"]["blocked_reason"] == "Maximum capacity reached");
  CHECK(capacity["provisioning"]["blocked_reason_details"]["code"] == "max_capacity");
  open_general_breaker(full);
  CHECK(http::orchestrator_status(full.in())["provisioning"]["blocked_reason"] ==
        "Circuit breaker is open");
}

TEST_CASE("status: a disconnected VPN degrades the status and takes precedence over the breaker") {
  status_world w(1);
  w.vpn.enabled = true;
  w.vpn.container_name = "gluetun";
  w.vpn.health = "unhealthy";
  open_general_breaker(w);
  auto s = http::orchestrator_status(w.in());
  CHECK(s["status"] == "degraded");
  CHECK(s["provisioning"]["blocked_reason"] == "VPN not connected");
  CHECK(s["provisioning"]["blocked_reason_details"]["code"] == "vpn_disconnected");
  CHECK(s["provisioning"]["blocked_reason_details"]["recovery_eta_seconds"] == 60);
  CHECK(s["vpn"]["enabled"] == true);
  CHECK(s["vpn"]["connected"] == false);
  CHECK(s["vpn"]["container"] == "gluetun");
  w.vpn.connected = true;
  CHECK(http::orchestrator_status(w.in())["provisioning"]["blocked_reason"] ==
        "Circuit breaker is open");
}

TEST_CASE("status: claims of engines being provisioned count toward max capacity") {
  status_world w(3);
  w.engines.claims = 1;
  CHECK(http::orchestrator_status(w.in())["provisioning"]["blocked_reason"] ==
        "Maximum capacity reached");
}

TEST_CASE(
    "status: unavailable when Docker is gone, or when no engine runs while MIN_REPLICAS > 0") {
  status_world gone(2);
  gone.docker.reachable = false;
  auto s = http::orchestrator_status(gone.in());
  CHECK(s["status"] == "unavailable");
  CHECK(s["provisioning"]["can_provision"] == false);
  status_world empty(0);
  CHECK(http::orchestrator_status(empty.in())["status"] == "unavailable");
  status_world empty_allowed(0, {{"MIN_REPLICAS", "0"}, {"MIN_FREE_REPLICAS", "0"}});
  CHECK(http::orchestrator_status(empty_allowed.in())["status"] == "healthy");
}

TEST_CASE("health-score: streams, health and recent use, best first") {
  status_world w(0);
  w.add_engine("busy", engine_health::healthy).streams = {"a", "b", "c", "d"};
  w.add_engine("idle", engine_health::healthy);
  w.add_engine("sick", engine_health::unhealthy);
  w.add_engine("new", engine_health::unknown).last_stream_usage = std::chrono::system_clock::now();
  auto scores = http::health_scores(w.engines, std::chrono::system_clock::now());
  REQUIRE(scores.size() == 4);
  CHECK(scores[0]["container_id"] == "idle");
  CHECK(scores[0]["health_score"] == 100);
  CHECK(scores[1]["container_id"] == "new");
  CHECK(scores[1]["health_score"] == 85);
  CHECK(scores[2]["health_score"] == 50);  // sick
  CHECK(scores[3]["health_score"] == 40);  // busy: -60 at most
  CHECK(scores[3]["stream_count"] == 4);
}

TEST_CASE("status: durations are the orchestrator's whole seconds, exact in milliseconds beside") {
  status_world w(1, {{"ENGINE_GRACE_PERIOD_S", "0.5"}, {"HEALTH_CHECK_INTERVAL_S", "20"}});
  auto s = http::orchestrator_status(w.in());
  CHECK(s["config"]["grace_period_s"].is_number_integer());
  CHECK(s["config"]["grace_period_s"] == 1);  // rounded up: a configured grace never reads 0
  CHECK(s["config"]["grace_period_ms"] == 500);
  auto h = http::health_status(w.in());
  CHECK(h["health_check_interval"].is_number_integer());
  CHECK(h["health_check_interval"] == 20);
  CHECK(h["health_check_interval_ms"] == 20000);
  CHECK(h["circuit_breakers"]["general"]["recovery_timeout"] == 300);
  CHECK(h["circuit_breakers"]["general"]["recovery_timeout"].is_number_integer());
  CHECK(h["circuit_breakers"]["general"]["recovery_timeout_ms"] == 300000);
}

TEST_CASE("status: a full pool says how to recover, as the orchestrator does") {
  status_world full(4);
  auto d = http::orchestrator_status(full.in())["provisioning"]["blocked_reason_details"];
  CHECK(d["code"] == "max_capacity");
  CHECK(d["can_retry"] == false);
  CHECK(d["should_wait"] == true);
  CHECK(d["message"] ==
        "Maximum number of engines (4) already running. Wait for streams to end "
        "or increase MAX_REPLICAS.");
}

TEST_CASE("status (swarm): each node with its state and the engines and streams it carries") {
  status_world w(0, {{"ORCHESTRATOR", "swarm"}, {"MAX_REPLICAS", "4"}});
  auto on = [&](const std::string& id, engine_health h, const std::string& node) {
    w.add_engine(id, h).labels["acepool.swarm.node"] = node;
  };
  on("a", engine_health::healthy, "n1");
  on("b", engine_health::unhealthy, "n1");
  on("c", engine_health::healthy, "n2");
  w.add_stream("s1", "a");
  w.add_stream("s2", "a");
  docker::swarm_node n1, n2, n3;
  n1.id = "n1", n1.hostname = "edge-1", n1.state = "ready", n1.availability = "active";
  n1.local = true;
  n2.id = "n2", n2.hostname = "edge-2", n2.state = "down", n2.availability = "active";
  n3.id = "n3", n3.hostname = "edge-3", n3.state = "ready", n3.availability = "drain";
  w.docker.nodes = std::vector<docker::swarm_node>{n1, n2, n3};
  auto status = http::orchestrator_status(w.in());
  CHECK(status["docker"]["orchestrator"] == "swarm");
  const auto& nodes = status["docker"]["nodes"];
  REQUIRE(nodes.size() == 3);
  CHECK(nodes[0]["hostname"] == "edge-1");
  CHECK(nodes[0]["local"] == true);
  CHECK(nodes[0]["engines"] == 2);
  CHECK(nodes[0]["healthy_engines"] == 1);
  CHECK(nodes[0]["streams"] == 2);
  CHECK(nodes[1]["state"] == "down");
  CHECK(nodes[1]["engines"] == 1);
  CHECK(nodes[2]["availability"] == "drain");
  CHECK(nodes[2]["engines"] == 0);
  CHECK(status["status"] == "healthy");  // one node still takes engines
  // Every node drained or down: nothing can start; status says so and why.
  w.docker.nodes->at(0).availability = "drain";
  auto blocked = http::orchestrator_status(w.in());
  CHECK(blocked["status"] == "degraded");
  CHECK(blocked["provisioning"]["can_provision"] == false);
  CHECK(blocked["provisioning"]["blocked_reason_details"]["code"] == "no_node");
  CHECK(blocked["provisioning"]["blocked_reason_details"]["can_retry"] == false);
  // Docker mode: no nodes.
  status_world plain(1);
  CHECK(http::orchestrator_status(plain.in())["docker"]["nodes"].is_null());
  CHECK(http::orchestrator_status(plain.in())["docker"]["orchestrator"] == "docker");
}
