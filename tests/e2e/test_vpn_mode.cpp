// VPN mode on the real daemon: the Gluetun simulator runs as a container that publishes its
// control port and the engine port window on 127.0.0.1; acepool puts its engines in that
// container's network namespace and reaches them through those published ports.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "docker/container_launcher.hpp"
#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* vpn_api_key = "gluetun-test-key";

/// The Gluetun simulator as a container (its own label, so acepool never mistakes it for an
/// engine), removed at the end of the test.
class gluetun_container {
 public:
  gluetun_container(docker_run_scope& run, const port_block& ports) : run_(run), ports_(ports) {
    name_ = run.name("gluetun");
    docker::container_spec s;
    s.name = name_;
    s.image = sim_image;
    s.cmd = {"gluetun", "--http-port=8000"};
    s.labels = {{"acepool.test.gluetun", run.run_id()}};
    s.env = {std::string("SIM_API_KEY=") + vpn_api_key};
    s.ports["8000/tcp"] = {{"127.0.0.1", control_port()}};
    for (uint16_t p = first_engine_port(); p <= last_engine_port(); ++p)
      s.ports[std::to_string(p) + "/tcp"] = {{"127.0.0.1", p}};
    s.healthcheck = docker::healthcheck_spec{
        {"CMD", "/acepool-sim", "healthcheck", "--url", "http://127.0.0.1:8000/v1/openvpn/status"},
        1000ms,
        2000ms,
        1,
        0ms};
    auto id = docker::create_and_start(run.client(), s);
    REQUIRE(id.ok());
    id_ = *id;
    REQUIRE(eventually([&] { return health() == "healthy"; }, 30s));
  }
  ~gluetun_container() { run_.client().remove_container(id_, true); }
  gluetun_container(const gluetun_container&) = delete;
  gluetun_container& operator=(const gluetun_container&) = delete;

  const std::string& name() const { return name_; }
  const std::string& id() const { return id_; }
  uint16_t control_port() const { return static_cast<uint16_t>(ports_.low() + 10); }
  uint16_t first_engine_port() const { return ports_.low(); }
  uint16_t last_engine_port() const { return static_cast<uint16_t>(ports_.low() + 3); }
  std::string health() { return run_.client().inspect_container(id_)->health.value_or(""); }

  /// A control-server request with the API key.
  long control(const std::string& method, const std::string& path, const json& body) {
    http_request r;
    r.method = method;
    r.url = "http://127.0.0.1:" + std::to_string(control_port()) + path;
    r.headers = {std::string("X-API-Key: ") + vpn_api_key};
    r.body = body.dump();
    return http_call(r).status;
  }

  /// acepool's settings for VPN mode behind this container.
  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    std::map<std::string, std::string> e{
        {"GLUETUN_CONTAINER_NAME", name_},
        {"GLUETUN_API_KEY", vpn_api_key},
        {"GLUETUN_PORT_RANGE",
         std::to_string(first_engine_port()) + "-" + std::to_string(last_engine_port())},
        {"PORT_RANGE_HOST",
         std::to_string(ports_.low() + 20) + "-" + std::to_string(ports_.low() + 39)},
        {"GLUETUN_HEALTH_CHECK_INTERVAL_S", "0.5"},
        {"GLUETUN_PORT_CACHE_TTL_S", "1"},
        {"HEALTH_CHECK_INTERVAL_S", "1"}};
    for (auto& [k, v] : extra)
      e[k] = v;
    return e;
  }

 private:
  docker_run_scope& run_;
  const port_block& ports_;
  std::string name_, id_;
};

std::map<std::string, std::string> vpn_pool_env(const docker_run_scope& run,
                                                const port_block& ports, const gluetun_container& g,
                                                std::map<std::string, std::string> extra) {
  auto env = pool_env(run, ports, g.env());
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

json vpn_status(const acepool_process& ace) {
  return json_of(ace.get("/vpn/status"));
}

/// Docker reports the namespace as `container:<id>` (or the name it was given).
bool in_namespace_of(const docker::container_details& d, const gluetun_container& g) {
  return d.network_mode == "container:" + g.id() || d.network_mode == "container:" + g.name();
}

/// Managed engine containers carrying `P2P_PORT=`.
std::vector<std::string> p2p_holders(docker_run_scope& run) {
  std::vector<std::string> holders;
  for (const auto& c : managed_containers(run, false)) {
    auto d = run.client().inspect_container(c.id);
    if (!d.ok()) continue;
    for (const auto& e : d->env)
      if (e.rfind("P2P_PORT=", 0) == 0) holders.push_back(c.id + " " + e);
  }
  return holders;
}

}  // namespace

TEST_CASE("vpn: engines run in the Gluetun namespace and a stream is relayed through its ports") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  acepool_process ace(vpn_pool_env(run, ports, g, {{"MIN_REPLICAS", "2"}}));
  REQUIRE(eventually([&] { return vpn_status(ace)["connected"] == true; }, 30s));
  auto v = vpn_status(ace);
  CHECK(v["enabled"] == true);
  CHECK(v["status"] == "running");
  CHECK(v["health"] == "healthy");
  CHECK(v["vpn_status"] == "running");  // the control server answered: the API key was sent
  CHECK(v["forwarded_port"] == 54321);
  CHECK(v["public_ip"] == "203.0.113.7");
  CHECK(v["container_name"] == g.name());
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 60s));
  int forwarded = 0;
  for (const auto& e : ace.engines()) {
    auto port = e["port"].get<int>();
    CHECK(port >= g.first_engine_port());
    CHECK(port <= g.last_engine_port());
    CHECK(e["vpn_container"] == g.name());
    if (e["forwarded"] == true) {
      ++forwarded;
      CHECK(e["forwarded_port"] == 54321);
    }
    auto d = run.client().inspect_container(e["container_id"].get<std::string>());
    REQUIRE(d.ok());
    CHECK(in_namespace_of(*d, g));
    CHECK(d->ports.empty());
  }
  CHECK(forwarded == 1);
  CHECK(p2p_holders(run).size() == 1);
  auto status = json_of(ace.get("/orchestrator/status"));
  CHECK(status["vpn"]["connected"] == true);
  CHECK(status["vpn"]["container"] == g.name());
  stream_reader r(ace.url("/ace/getstream?id=0c0c0c0c"));
  REQUIRE(r.wait_for_bytes(200000, 30s));
  CHECK(r.status() == 200);
  CHECK(r.report().sync_errors == 0);
  auto metrics = ace.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("acepool_vpn_connected 1"));
}

TEST_CASE("vpn: a wrong API key leaves the VPN disconnected and provisioning blocked") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  acepool_process ace(
      vpn_pool_env(run, ports, g, {{"GLUETUN_API_KEY", "wrong"}, {"MIN_REPLICAS", "1"}}));
  REQUIRE(eventually([&] { return !vpn_status(ace)["last_check_at"].is_null(); }, 30s));
  auto v = vpn_status(ace);
  CHECK(v["health"] == "healthy");
  CHECK(v["vpn_status"] == "unknown");
  CHECK(v["connected"] == false);
  auto p = ace.post("/provision/acestream");
  CHECK(p.status == 503);
  CHECK(json_of(p)["detail"]["code"] == "vpn_disconnected");
  auto relayed = ace.get("/ace/getstream?id=0f0f0f0f");  // the relay needs a new engine too
  CHECK(relayed.status == 503);
  CHECK(json_of(relayed)["detail"]["code"] == "vpn_disconnected");
  CHECK(relayed.header("Retry-After") == std::optional<std::string>("60"));
  CHECK(ace.engines().empty());  // MIN_REPLICAS waits for the VPN
  CHECK(managed_containers(run).empty());
}

TEST_CASE("vpn: after a restart of acepool the adopted forwarded engine stays the only one") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  auto env = vpn_pool_env(run, ports, g, {{"MIN_REPLICAS", "2"}});
  std::set<std::string> ids;
  std::vector<std::string> holders;
  {
    acepool_process first(env);
    REQUIRE(eventually([&] { return first.engines().size() == 2 && p2p_holders(run).size() == 1; },
                       60s));
    ids = engine_ids(first);
    holders = p2p_holders(run);
  }
  acepool_process second(env);
  REQUIRE(eventually([&] { return engine_ids(second) == ids; }, 30s));
  REQUIRE(eventually([&] { return vpn_status(second)["connected"] == true; }, 30s));
  int forwarded = 0;
  for (const auto& e : second.engines())
    if (e["forwarded"] == true) ++forwarded;
  CHECK(forwarded == 1);
  CHECK(p2p_holders(run) == holders);
  CHECK(engine_ids(second) == ids);
}

TEST_CASE(
    "vpn: VPN down blocks new engines while a stream keeps flowing, back up recycles idle "
    "engines") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  acepool_process ace(vpn_pool_env(run, ports, g, {{"MIN_REPLICAS", "2"}, {"MAX_REPLICAS", "4"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 60s));
  stream_reader r(ace.url("/ace/getstream?id=0d0d0d0d"));
  REQUIRE(r.wait_for_bytes(100000, 30s));
  auto serving = json_of(ace.get("/ace/status?id=0d0d0d0d"))["engine"]["container_id"];
  std::string idle;
  for (const auto& e : ace.engines())
    if (e["container_id"] != serving) idle = e["container_id"].get<std::string>();
  REQUIRE_FALSE(idle.empty());

  REQUIRE(g.control("PUT", "/v1/openvpn/status", {{"status", "stopped"}}) == 200);
  REQUIRE(eventually([&] { return vpn_status(ace)["connected"] == false; }, 30s));
  auto blocked = ace.post("/provision/acestream");
  CHECK(blocked.status == 503);
  CHECK(json_of(blocked)["detail"]["code"] == "vpn_disconnected");
  CHECK(blocked.header("Retry-After") == std::optional<std::string>("60"));
  auto status = json_of(ace.get("/orchestrator/status"));
  CHECK(status["status"] == "degraded");
  CHECK(status["provisioning"]["blocked_reason"] == "VPN not connected");
  auto during = r.bytes();
  CHECK(r.wait_for_bytes(during + 200000, 20s));  // existing engines keep serving
  CHECK(ace.engines().size() == 2);

  REQUIRE(g.control("PUT", "/v1/openvpn/status", {{"status", "running"}}) == 200);
  REQUIRE(eventually([&] { return vpn_status(ace)["connected"] == true; }, 30s));
  // VPN_RESTART_ENGINES_ON_RECONNECT: the idle engine is recycled at once, the busy one stays.
  REQUIRE(eventually([&] { return engine_ids(ace).count(idle) == 0; }, 30s));
  CHECK(engine_ids(ace).count(serving.get<std::string>()) == 1);
  CHECK(eventually([&] { return ace.engines().size() == 2; }, 60s));
  CHECK(ace.post("/provision/acestream").status == 200);
  CHECK_FALSE(r.finished());
  CHECK(r.report().sync_errors == 0);
  CHECK(vpn_status(ace)["connected"] == true);
  r.stop();  // the busy engine is recycled once its stream ends
  CHECK(eventually([&] { return engine_ids(ace).count(serving.get<std::string>()) == 0; }, 30s));
}

TEST_CASE("vpn: a new forwarded port moves P2P_PORT to a new engine, never two at once") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  acepool_process ace(vpn_pool_env(run, ports, g, {{"MIN_REPLICAS", "2"}}));
  REQUIRE(
      eventually([&] { return ace.engines().size() == 2 && p2p_holders(run).size() == 1; }, 60s));
  auto before = p2p_holders(run);
  CHECK_THAT(before[0], Catch::EndsWith("P2P_PORT=54321"));
  REQUIRE(g.control("PUT", "/sim/control", {{"forwarded_port", 54400}}) == 200);
  size_t most_holders = 0;
  REQUIRE(eventually(
      [&] {
        auto holders = p2p_holders(run);
        most_holders = std::max(most_holders, holders.size());
        return holders.size() == 1 && holders[0].find("P2P_PORT=54400") != std::string::npos;
      },
      60s));
  CHECK(most_holders == 1);
  CHECK(vpn_status(ace)["forwarded_port"] == 54400);
  // Docker shows the new container as soon as it starts; /engines once it answers its
  // readiness probe.
  auto forwarded_ports = [&] {
    std::vector<json> ports;
    for (const auto& e : ace.engines())
      if (e["forwarded"] == true) ports.push_back(e["forwarded_port"]);
    return ports;
  };
  CHECK(eventually([&] { return forwarded_ports() == std::vector<json>{54400}; }, 30s));
}

TEST_CASE("vpn: a restart of the Gluetun container recreates its engines and the stream goes on") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  acepool_process ace(vpn_pool_env(
      run, ports, g, {{"MIN_REPLICAS", "1"}, {"VPN_RESTART_ENGINES_ON_RECONNECT", "false"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 60s));
  auto old_ids = engine_ids(ace);
  stream_reader r(ace.url("/ace/getstream?id=0e0e0e0e"));
  REQUIRE(r.wait_for_bytes(100000, 30s));
  auto stream_id = json_of(ace.get("/ace/status?id=0e0e0e0e"))["stream_id"];
  REQUIRE(run.client().restart_container(g.id(), 5).ok());
  REQUIRE(eventually(
      [&] {
        auto ids = engine_ids(ace);
        if (ids.empty()) return false;
        for (const auto& id : ids)
          if (old_ids.count(id)) return false;
        return true;
      },
      60s));
  auto at_recreate = r.bytes();
  REQUIRE(r.wait_for_bytes(at_recreate + 200000, 60s));
  CHECK_FALSE(r.finished());
  CHECK(r.report().sync_errors == 0);
  CHECK(json_of(ace.get("/ace/status?id=0e0e0e0e"))["stream_id"] == stream_id);
  for (const auto& c : managed_containers(run, false)) {
    auto d = run.client().inspect_container(c.id);
    REQUIRE(d.ok());
    CHECK(in_namespace_of(*d, g));
  }
}

TEST_CASE(
    "vpn: a Gluetun container unhealthy past VPN_UNHEALTHY_RESTART_TIMEOUT_S is restarted "
    "once") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  gluetun_container g(run, ports);
  acepool_process ace(vpn_pool_env(run, ports, g, {{"VPN_UNHEALTHY_RESTART_TIMEOUT_S", "2"}}));
  REQUIRE(eventually([&] { return vpn_status(ace)["connected"] == true; }, 30s));
  auto started = run.client().inspect_container(g.id())->started_at;
  REQUIRE(g.control("PUT", "/v1/openvpn/status", {{"status", "stopped"}}) == 200);
  REQUIRE(eventually([&] { return vpn_status(ace)["connected"] == false; }, 30s));
  // The restarted simulator comes back with the VPN running.
  REQUIRE(eventually([&] { return run.client().inspect_container(g.id())->started_at != started; },
                     30s));
  CHECK(eventually([&] { return vpn_status(ace)["connected"] == true; }, 30s));
  CHECK(ace.actor_state("vpn_watcher")["restarts_requested"] == 1);
}
