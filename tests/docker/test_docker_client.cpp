#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>

#include <nlohmann/json.hpp>

#include "docker/container_launcher.hpp"
#include "docker/docker_event_stream.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/socket_proxy.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// A simulator engine container publishing its HTTP port on 127.0.0.1:`port`.
docker::container_spec engine_spec(docker_run_scope& run, const std::string& suffix,
                                   uint16_t port) {
  docker::container_spec s;
  s.name = run.name(suffix);
  s.image = sim_image;
  s.cmd = {"engine"};
  s.labels = {run.label()};
  s.env = {"HTTP_PORT=" + std::to_string(port), "SIM_JSON_DELAY_MS=0"};
  s.ports[std::to_string(port) + "/tcp"] = {{"127.0.0.1", port}};
  return s;
}

/// A socket listening on 127.0.0.1:port, owned by this test process (a "foreign" process for
/// Docker).
struct port_holder {
  int fd = -1;
  uint16_t port = 0;
  port_holder() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd, 1);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~port_holder() { close(fd); }
};

}  // namespace

TEST_CASE(
    "a simulator container goes through its whole lifecycle and is reached through 127.0.0.1") {
  require_docker();
  docker_run_scope run;
  auto& c = run.client();
  auto port = free_port();
  auto id = docker::create_and_start(c, engine_spec(run, "life", port));
  REQUIRE(id.ok());
  CHECK(id->size() == 64);
  auto details = c.inspect_container(*id);
  REQUIRE(details.ok());
  CHECK(details->running);
  CHECK(details->name == run.name("life"));
  CHECK(details->labels.at("acepool.test.run") == run.run_id());
  REQUIRE(details->ports.count(std::to_string(port) + "/tcp"));
  CHECK(details->ports.at(std::to_string(port) + "/tcp").front() ==
        docker::port_binding{"127.0.0.1", port});
  auto status_url =
      "http://127.0.0.1:" + std::to_string(port) + "/server/api?api_version=3&method=get_status";
  REQUIRE(eventually([&] { return http_get(status_url).status == 200; }));
  CHECK(json::parse(http_get(status_url).body)["result"]["version"]["version"] == "3.1.70");
  auto listed = c.list_containers({{"label", {run.label_text()}}}, false);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().id == *id);
  CHECK(listed->front().state == "running");
  CHECK(c.restart_container(*id, 5).ok());
  REQUIRE(c.stop_container(*id, 5).ok());
  auto stopped = c.inspect_container(*id);
  CHECK(stopped->status == "exited");
  CHECK(c.stop_container(*id, 5).ok());  // stopping a stopped container is fine
  REQUIRE(c.remove_container(*id, false).ok());
  auto gone = c.inspect_container(*id);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == docker::docker_errc::not_found);
  CHECK(c.remove_container(*id, true).error().code == docker::docker_errc::not_found);
}

TEST_CASE("the event stream delivers start, die and destroy of a container") {
  require_docker();
  docker_run_scope run;
  std::mutex m;
  std::vector<docker::docker_event> events;
  bool connected = false;
  docker::docker_event_stream stream(
      default_docker_config(), {{"type", {"container"}}, {"label", {run.label_text()}}},
      [&](const docker::docker_event& e) {
        std::lock_guard<std::mutex> g(m);
        events.push_back(e);
      },
      [&](bool up, const std::string&) {
        std::lock_guard<std::mutex> g(m);
        connected = up;
      });
  stream.start();
  REQUIRE(eventually([&] {
    std::lock_guard<std::mutex> g(m);
    return connected;
  }));
  auto seen = [&](const std::string& id, const std::string& action) {
    return eventually([&] {
      std::lock_guard<std::mutex> g(m);
      for (const auto& e : events)
        if (e.id == id && e.action == action) return true;
      return false;
    });
  };
  auto& c = run.client();
  auto id = docker::create_and_start(c, engine_spec(run, "events", free_port()));
  REQUIRE(id.ok());
  CHECK(seen(*id, "start"));
  REQUIRE(c.stop_container(*id, 5).ok());
  CHECK(seen(*id, "die"));
  REQUIRE(c.remove_container(*id, false).ok());
  CHECK(seen(*id, "destroy"));
  {
    std::lock_guard<std::mutex> g(m);
    for (const auto& e : events)
      CHECK(e.attributes.at("acepool.test.run") == run.run_id());
  }
  stream.stop();  // returns at once although the stream is idle (the test timeout bounds it)
}

TEST_CASE("a missing image fails the pull at once with Docker's message and leaves nothing") {
  require_docker();
  docker_run_scope run;
  auto& c = run.client();
  const std::string missing = "127.0.0.1:1/acepool-missing:x";
  auto pulled = c.pull_image(missing);
  REQUIRE_FALSE(pulled.ok());
  CHECK(pulled.error().code == docker::docker_errc::image_missing);
  CHECK_FALSE(pulled.error().message.empty());
  CHECK(c.inspect_image(missing).error().code == docker::docker_errc::image_missing);
  auto spec = engine_spec(run, "missing", free_port());
  spec.image = missing;
  auto created = docker::create_and_start(c, spec);
  REQUIRE_FALSE(created.ok());
  CHECK(created.error().code == docker::docker_errc::image_missing);
  CHECK_THAT(created.error().message, Catch::Contains("No such image"));
  CHECK(c.list_containers({{"label", {run.label_text()}}}, true)->empty());
}

TEST_CASE("a host port held by a foreign process fails the start and nothing is left behind") {
  require_docker();
  docker_run_scope run;
  port_holder held;
  auto& c = run.client();
  auto result = docker::create_and_start(c, engine_spec(run, "clash", held.port));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == docker::docker_errc::port_in_use);
  CHECK_THAT(result.error().message, Catch::Contains("address already in use"));
  CHECK(c.list_containers({{"label", {run.label_text()}}}, true)->empty());
}

TEST_CASE("a daemon that is not there gives a clear error, not a hang") {
  temp_dir dir;
  docker::client_config cfg;
  cfg.endpoint.socket_path = dir.path() + "/docker.sock";  // nobody serves it
  docker::curl_docker_client c(cfg);
  auto ping = c.ping();
  REQUIRE_FALSE(ping.ok());
  CHECK(ping.error().code == docker::docker_errc::daemon_unreachable);
  CHECK_THAT(ping.error().message, Catch::Contains("docker daemon"));
  auto list = c.list_containers({}, true);
  REQUIRE_FALSE(list.ok());
  CHECK(list.error().code == docker::docker_errc::daemon_unreachable);
}

TEST_CASE("the API version is negotiated from /version or taken from the settings") {
  require_docker();
  docker::curl_docker_client negotiated(default_docker_config());
  auto version = negotiated.version();
  REQUIRE(version.ok());
  auto prefix = negotiated.api_prefix();
  REQUIRE(prefix.ok());
  CHECK(*prefix == "/v" + version->api_version);
  auto fixed_cfg = default_docker_config();
  fixed_cfg.api_version = "1.40";
  docker::curl_docker_client fixed(fixed_cfg);
  CHECK(*fixed.api_prefix() == "/v1.40");
  CHECK(fixed.list_containers({}, false).ok());
  auto too_new_cfg = default_docker_config();
  too_new_cfg.api_version = "1.99";
  docker::curl_docker_client too_new(too_new_cfg);
  auto rejected = too_new.list_containers({}, false);
  REQUIRE_FALSE(rejected.ok());
  CHECK_THAT(rejected.error().message, Catch::Contains("too new"));
}

TEST_CASE(
    "the Gluetun simulator container turns unhealthy when the VPN stops and healthy when it runs") {
  require_docker();
  docker_run_scope run;
  auto& c = run.client();
  auto port = free_port();
  docker::container_spec s;
  s.name = run.name("gluetun");
  s.image = sim_image;
  s.cmd = {"gluetun", "--http-port=8000"};
  s.labels = {run.label()};
  s.ports["8000/tcp"] = {{"127.0.0.1", port}};
  s.healthcheck = docker::healthcheck_spec{
      {"CMD", "/acepool-sim", "healthcheck", "--url", "http://127.0.0.1:8000/v1/openvpn/status"},
      2000ms,
      2000ms,
      1,
      0ms};
  auto id = docker::create_and_start(c, s);
  REQUIRE(id.ok());
  auto health = [&] { return c.inspect_container(*id)->health.value_or(""); };
  CHECK(eventually([&] { return health() == "healthy"; }, 30s));
  auto control = "http://127.0.0.1:" + std::to_string(port) + "/v1/openvpn/status";
  auto set_status = [&](const std::string& status) {
    http_request r;
    r.method = "PUT";
    r.url = control;
    r.body = json{{"status", status}}.dump();
    return http_call(r).status;
  };
  REQUIRE(set_status("stopped") == 200);
  CHECK(eventually([&] { return health() == "unhealthy"; }, 30s));
  REQUIRE(set_status("running") == 200);
  CHECK(eventually([&] { return health() == "healthy"; }, 30s));
}

TEST_CASE("docker stop with a 60 s timeout ends the simulator by SIGTERM, not SIGKILL") {
  require_docker();
  docker_run_scope run;
  auto& c = run.client();
  auto id = docker::create_and_start(c, engine_spec(run, "sigterm", free_port()));
  REQUIRE(id.ok());
  REQUIRE(c.stop_container(*id, 60).ok());
  auto d = c.inspect_container(*id);
  REQUIRE(d.ok());
  CHECK(d->status == "exited");
  CHECK(d->exit_code != 137);
  CHECK(d->exit_code == 0);
}

TEST_CASE("a simulator container streams valid TS through its published port") {
  require_docker();
  docker_run_scope run;
  auto& c = run.client();
  auto port = free_port();
  auto spec = engine_spec(run, "stream", port);
  spec.env.push_back("SIM_PREBUFFER_MS=0");
  auto id = docker::create_and_start(c, spec);
  REQUIRE(id.ok());
  auto base = "http://127.0.0.1:" + std::to_string(port);
  REQUIRE(eventually([&] { return http_get(base + "/sim/stats").status == 200; }));
  auto session =
      json::parse(http_get(base + "/ace/getstream?id=docker&format=json").body)["response"];
  // The URLs carry the Host the client used: the published address, reachable from here.
  auto playback = session["playback_url"].get<std::string>();
  CHECK(playback.rfind(base + "/ace/r/", 0) == 0);
  stream_reader reader(playback);
  REQUIRE(reader.wait_for_bytes(200000, 20s));
  reader.stop();
  CHECK(reader.report().sync_errors == 0);
  CHECK(reader.report().cc_errors == 0);
}

TEST_CASE(
    "the event stream reconnects with backoff after Docker is cut and replays what it missed") {
  require_docker();
  docker_run_scope run;
  temp_dir dir;
  socket_proxy proxy(dir.path() + "/docker.sock");
  auto cfg = default_docker_config();
  cfg.endpoint.socket_path = proxy.path();
  std::mutex m;
  std::vector<docker::docker_event> events;
  int connects = 0, disconnects = 0;
  docker::docker_event_stream stream(
      cfg, {{"type", {"container"}}, {"label", {run.label_text()}}},
      [&](const docker::docker_event& e) {
        std::lock_guard<std::mutex> g(m);
        events.push_back(e);
      },
      [&](bool up, const std::string&) {
        std::lock_guard<std::mutex> g(m);
        (up ? connects : disconnects)++;
      },
      1000ms);
  stream.start();
  auto locked = [&](auto f) {
    return eventually([&] {
      std::lock_guard<std::mutex> g(m);
      return f();
    });
  };
  REQUIRE(locked([&] { return connects == 1; }));
  proxy.cut();
  REQUIRE(locked([&] { return disconnects >= 1; }));
  // While the stream is cut off, a container starts: the event must still arrive later.
  auto id = docker::create_and_start(run.client(), engine_spec(run, "missed", free_port()));
  REQUIRE(id.ok());
  proxy.restore();
  REQUIRE(locked([&] { return connects >= 2; }));
  CHECK(locked([&] {
    for (const auto& e : events)
      if (e.id == *id && e.action == "start") return true;
    return false;
  }));
  stream.stop();
}
