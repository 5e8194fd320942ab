// Safe by default, tried as an attacker would: from another host (a network namespace the test
// creates), from a browser page (foreign Host, text/plain and form bodies), through events that
// name URLs, and through generic provisioning.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/netns_peer.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/raw_connection.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_events.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// acepool listening on every address (so the namespace reaches it), on the real daemon, with a
/// simulator as its static engine.
std::map<std::string, std::string> exposed_env(const docker_run_scope& run, const port_block& ports,
                                               const sim_process& sim,
                                               std::map<std::string, std::string> extra = {}) {
  auto env = pool_env(run, ports,
                      {{"APP_BIND", "0.0.0.0"},
                       {"MIN_REPLICAS", "0"},
                       {"MIN_FREE_REPLICAS", "0"},
                       {"STATIC_ENGINES", "127.0.0.1:" + std::to_string(sim.port())},
                       {"LOG_LEVEL", "info"}});
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

std::string remote_url(const netns_peer& peer, const acepool_process& ace, const std::string& p) {
  return "http://" + peer.host_address() + ":" + std::to_string(ace.port()) + p;
}

std::string raw_post(const std::string& target, const std::string& body,
                     const std::string& headers) {
  return "POST " + target + " HTTP/1.1\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

/// One answer to raw bytes sent from 127.0.0.1.
wire_response local_raw(const acepool_process& ace, const std::string& bytes) {
  raw_connection c(ace.port());
  REQUIRE(c.send(bytes));
  auto answers = split_responses(c.read_until_close(20s));
  REQUIRE(answers.size() == 1);
  return answers[0];
}

/// A TCP listener on 127.0.0.1 that only counts who connects (the target of a forged URL).
class counting_listener {
 public:
  counting_listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 64) == 0);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        if (stopping_) {
          ::close(c);
          return;
        }
        ++accepted_;
        ::close(c);
      }
    });
  }
  ~counting_listener() {
    stopping_ = true;
    raw_connection wake(port_);  // unblocks accept()
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("security: without API_KEY, another host may read and stream but not change anything") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  netns_peer peer;
  acepool_process ace(exposed_env(run, ports, sim));
  struct attempt {
    const char* method;
    const char* path;
    const char* body;
  };
  for (const auto& a :
       {attempt{"POST", "/provision/acestream", "{}"},
        attempt{"POST", "/provision", R"({"image":"acepool/sim:latest"})"},
        attempt{"POST", "/scale/5", ""}, attempt{"POST", "/gc", ""},
        attempt{"DELETE", "/containers/acestream-1", ""}, attempt{"DELETE", "/streams/x", ""},
        attempt{"POST", "/events/stream_started", "{}"},
        attempt{"POST", "/health/circuit-breaker/reset", ""}, attempt{"GET", "/debug/actors", ""},
        attempt{"GET", "/debug/config", ""}, attempt{"GET", "/by-label?key=a&value=b", ""}}) {
    auto r = peer.call(a.method, remote_url(peer, ace, a.path), {"Content-Type: application/json"},
                       a.body);
    INFO(a.method << " " << a.path << ": " << r.body);
    CHECK(r.status == 403);
    CHECK_THAT(json::parse(r.body)["detail"].get<std::string>(),
               Catch::Contains("API_KEY") && Catch::Contains("openssl rand"));
  }
  CHECK(managed_containers(run).empty());  // nothing was started
  for (const char* path : {"/health", "/engines", "/orchestrator/status", "/streams", "/metrics"})
    CHECK(peer.call("GET", remote_url(peer, ace, path)).status == 200);
  // Players on the LAN keep working.
  auto stream = peer.call("GET", remote_url(peer, ace, "/ace/getstream?id=lanplayer") + "&x=1",
                          {"Range: bytes=0-1000"});
  CHECK(stream.status == 200);
  CHECK(stream.headers["content-type"] == "video/MP2T");
  // The same requests from this host work.
  CHECK(ace.post("/scale/0").status == 200);
  CHECK(ace.get("/debug/actors").status == 200);
}

TEST_CASE("security: with API_KEY, another host gets in with the key as Bearer or X-API-Key") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  netns_peer peer;
  acepool_process ace(exposed_env(run, ports, sim, {{"API_KEY", "k3y-for-tests"}}));
  auto url = remote_url(peer, ace, "/debug/actors");
  CHECK(peer.call("GET", url).status == 401);
  CHECK(peer.call("GET", url, {"Authorization: Bearer wrong"}).status == 403);
  CHECK(peer.call("GET", url, {"Authorization: Bearer k3y-for-tests"}).status == 200);
  CHECK(peer.call("GET", url, {"X-API-Key: k3y-for-tests"}).status == 200);
  // A name the operator did not list is refused even with the key (DNS rebinding).
  auto rebound = peer.call("GET", url, {"X-API-Key: k3y-for-tests", "Host: attacker.example"});
  CHECK(rebound.status == 403);
  CHECK_THAT(json::parse(rebound.body)["detail"].get<std::string>(),
             Catch::Contains("ALLOWED_HOSTS"));
}

TEST_CASE("security: ALLOWED_HOSTS admits the names the operator lists") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  netns_peer peer;
  acepool_process ace(exposed_env(
      run, ports, sim, {{"API_KEY", "k"}, {"ALLOWED_HOSTS", "acepool.test,other.test"}}));
  auto url = remote_url(peer, ace, "/debug/config");
  CHECK(peer.call("GET", url, {"X-API-Key: k", "Host: acepool.test:8000"}).status == 200);
  CHECK(peer.call("GET", url, {"X-API-Key: k", "Host: Other.Test"}).status == 200);
  CHECK(peer.call("GET", url, {"X-API-Key: k", "Host: third.test"}).status == 403);
}

TEST_CASE("security: a page in a browser on this host can neither rebind nor post a form") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  acepool_process ace(exposed_env(run, ports, sim));
  // DNS rebinding: the page's name now resolves to 127.0.0.1, the browser sends that name.
  auto rebound =
      local_raw(ace, raw_post("/provision/acestream", "{}",
                              "Host: attacker.example\r\nContent-Type: "
                              "application/json\r\nOrigin: http://attacker.example\r\n"));
  CHECK(rebound.status == 403);
  // CSRF: what a page may send cross-site without a preflight, with and without a body. The
  // browser adds Origin; a write route refuses it.
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    auto r =
        local_raw(ace, raw_post("/provision/acestream", R"({"image":"acepool/sim:latest"})",
                                std::string("Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                                            "Content-Type: ") +
                                    type + "\r\n"));
    INFO(type);
    CHECK(r.status == 403);
    CHECK_FALSE(r.header("Access-Control-Allow-Origin"));
  }
  auto bodiless = local_raw(ace, raw_post("/scale/5", "",
                                          "Host: 127.0.0.1:8000\r\nOrigin: http://evil.example\r\n"
                                          "Sec-Fetch-Site: cross-site\r\n"));
  CHECK(bodiless.status == 403);
  CHECK_THAT(bodiless.body, Catch::Contains("cross-site request refused"));
  // A local program (no Origin) must still speak JSON when it sends a body.
  auto text = local_raw(ace, raw_post("/provision", R"({"image":"acepool/sim:latest"})",
                                      "Host: 127.0.0.1\r\nContent-Type: text/plain\r\n"));
  CHECK(text.status == 415);
  auto preflight = local_raw(ace,
                             "OPTIONS /provision HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: "
                             "http://evil.example\r\nConnection: close\r\n\r\n");
  CHECK_FALSE(preflight.header("Access-Control-Allow-Origin"));
  CHECK(managed_containers(run).empty());
}

TEST_CASE("security: URLs in events are never called unless they lead to a known engine") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  counting_listener target;
  acepool_process ace(exposed_env(run, ports, sim, {{"COLLECT_INTERVAL_S", "0.5"}}));
  auto forged = "http://127.0.0.1:" + std::to_string(target.port());
  // An engine acepool does not know: recorded, never polled, stopped without a call.
  json unknown{{"container_id", "nobody"},
               {"engine", {{"host", "127.0.0.1"}, {"port", target.port()}}},
               {"stream", {{"key_type", "content_id"}, {"key", "forged"}}},
               {"session",
                {{"playback_session_id", "p1"},
                 {"stat_url", forged + "/ace/stat/x/p1"},
                 {"command_url", forged + "/ace/cmd/x/p1"},
                 {"is_live", 1}}}};
  auto started = ace.post("/events/stream_started", unknown.dump());
  REQUIRE(started.status == 200);
  auto id = json_of(started)["id"].get<std::string>();
  std::this_thread::sleep_for(3s);  // six collect intervals
  REQUIRE(ace.del(stream_path(id)).status == 200);
  // A known engine with URLs pointing elsewhere: the engine is asked, not the URLs' host.
  auto known = unknown;
  known["container_id"] = "static-127.0.0.1-" + std::to_string(sim.port());
  known["engine"]["port"] = sim.port();
  known["stream"]["key"] = "forged2";
  auto session = sim.start_session("forged2");
  known["session"]["playback_session_id"] = session["playback_session_id"];
  known["session"]["stat_url"] =
      forged + "/ace/stat/x/" + session["playback_session_id"].get<std::string>();
  REQUIRE(ace.post("/events/stream_started", known.dump()).status == 200);
  auto polls_before = sim.stats()["stat_requests"];
  std::this_thread::sleep_for(2s);
  CHECK(target.accepted() == 0);
  CHECK(sim.stats()["stat_requests"].get<int>() > polls_before.get<int>());
}

TEST_CASE("security: generic provisioning takes only what the operator allowed") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  auto generic_low = std::to_string(ports.low() + 30);
  auto generic_high = std::to_string(ports.high());
  acepool_process ace(exposed_env(
      run, ports, sim,
      {{"PORT_RANGE_HOST", std::to_string(ports.low()) + "-" + std::to_string(ports.low() + 29)},
       {"GENERIC_PORT_RANGE", generic_low + "-" + generic_high},
       {"MAX_GENERIC_CONTAINERS", "2"}}));
  struct bad {
    json body;
    const char* type;
  };
  for (const auto& b :
       {bad{{{"image", sim_image}, {"ports", {{"22/tcp", 22}}}}, "value_error.number.not_in_range"},
        bad{{{"image", sim_image}, {"ports", {{"0/tcp", ports.low() + 31}}}},
            "value_error.str.regex"},
        bad{{{"image", sim_image}, {"ports", {{"99999/tcp", ports.low() + 31}}}},
            "value_error.str.regex"},
        bad{{{"image", sim_image}, {"env", {{"", "x"}}}}, "value_error.str.regex"},
        bad{{{"image", sim_image}, {"name_prefix", "acestream"}}, "value_error"},
        bad{{{"image", sim_image}, {"privileged", true}}, "extra_forbidden"},
        bad{{{"image", sim_image}, {"binds", {"/:/host"}}}, "extra_forbidden"}}) {
    auto r = ace.post("/provision", b.body.dump());
    INFO(b.body.dump() << " -> " << r.body);
    CHECK(r.status == 422);
    CHECK(json_of(r)["detail"][0]["type"] == b.type);
  }
  // A caller's mistake never reached Docker, so no breaker counted it.
  auto status = json_of(ace.get("/health/status"));
  CHECK(status["circuit_breakers"]["general"]["failure_count"] == 0);
  CHECK(managed_containers(run).empty());
  // Within the cap, with a port from the range: created, the port bound to 127.0.0.1.
  json ok{{"image", sim_image}, {"ports", {{"6878/tcp", ports.low() + 31}}}};
  REQUIRE(ace.post("/provision", ok.dump()).status == 200);
  REQUIRE(ace.post("/provision", json{{"image", sim_image}}.dump()).status == 200);
  auto third = ace.post("/provision", json{{"image", sim_image}}.dump());
  CHECK(third.status == 409);
  CHECK(json_of(third)["detail"]["code"] == "max_capacity");
  auto made = managed_containers(run);
  CHECK(made.size() == 2);
  for (const auto& c : made)
    for (const auto& [key, bindings] : c.ports)
      for (const auto& b : bindings)
        CHECK(b.host_ip == "127.0.0.1");
}

TEST_CASE("security: without GENERIC_PORT_RANGE no host port may be published") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  sim_process sim;
  acepool_process ace(exposed_env(run, ports, sim));
  auto r = ace.post("/provision", json{{"image", sim_image}, {"ports", {{"80/tcp", 8080}}}}.dump());
  CHECK(r.status == 422);
  CHECK_THAT(r.body, Catch::Contains("GENERIC_PORT_RANGE"));
}
