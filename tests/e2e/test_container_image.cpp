// acepool's own image (acepool:local, assembled FROM scratch by scripts/build-image.sh) run the way
// operators run it: the Docker socket mounted, --network host, an env file, a volume for the
// database; driven over HTTP and read with ffprobe.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr const char* local_image = "acepool:local";

run_result docker_cli(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = 60s) {
  return run_program("/usr/bin/docker", args, {}, timeout);
}

/// The acepool container of one test, removed at the end.
class acepool_container {
 public:
  acepool_container(docker_run_scope& run, const port_block& ports, uint16_t api_port)
      : api_port_(api_port) {
    name_ = run.name("acepool");
    chmod(data_.path().c_str(), 0777);  // the image runs as uid 10001
    auto env_file = config_.write("acepool.env",
                                  "APP_BIND=127.0.0.1\n"
                                  "APP_PORT=" +
                                      std::to_string(api_port) +
                                      "\n"
                                      "TARGET_IMAGE=" +
                                      sim_image +
                                      "\n"
                                      "CONTAINER_LABEL=" +
                                      run.label_text() +
                                      "\n"
                                      "PORT_RANGE_HOST=" +
                                      ports.range() +
                                      "\n"
                                      "MIN_REPLICAS=2\n"
                                      "MIN_FREE_REPLICAS=1\n"
                                      "MIN_PROVISION_INTERVAL_S=0.05\n");
    struct stat sock {};
    REQUIRE(stat("/var/run/docker.sock", &sock) == 0);
    auto r = docker_cli({"run", "-d", "--name", name_, "--network", "host", "--group-add",
                         std::to_string(sock.st_gid), "-v",
                         "/var/run/docker.sock:/var/run/docker.sock", "-v", data_.path() + ":/data",
                         "--env-file", env_file, "--health-interval", "1s", local_image});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  ~acepool_container() { docker_cli({"rm", "-f", name_}); }
  acepool_container(const acepool_container&) = delete;
  acepool_container& operator=(const acepool_container&) = delete;

  const std::string& name() const { return name_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(api_port_) + path;
  }
  json get_json(const std::string& path) const {
    return json::parse(http_get(url(path)).body, nullptr, false);
  }
  std::set<std::string> engines() const {
    std::set<std::string> ids;
    auto list = get_json("/engines");
    if (list.is_array())
      for (const auto& e : list)
        ids.insert(e["container_id"].get<std::string>());
    return ids;
  }
  /// One field of `docker inspect`.
  std::string inspect(const std::string& format) const {
    return docker_cli({"inspect", "-f", format, name_}).out;
  }
  std::string logs() const { return docker_cli({"logs", name_}).err; }

 private:
  uint16_t api_port_;
  std::string name_;
  temp_dir data_, config_;
};

}  // namespace

TEST_CASE("image: acepool:local serves a pool and a stream, stops cleanly and adopts on restart") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_container ace(run, ports, free_port());
  REQUIRE(eventually([&] { return http_get(ace.url("/health/ready")).status == 200; }, 60s));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 60s));
  CHECK(ace.inspect("{{.Config.User}}") == "10001:10001\n");
  CHECK(eventually([&] { return ace.inspect("{{.State.Health.Status}}") == "healthy\n"; }, 30s));

  auto probe = run_program("/usr/bin/ffprobe",
                           {"-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                            ace.url("/ace/getstream?id=1a1a1a1a")},
                           {}, 60s);
  INFO(probe.err);
  CHECK(probe.exit_code == 0);
  CHECK(probe.out.find("h264") != std::string::npos);

  // ffprobe's stream has ended and its engine is free again before the next one starts.
  REQUIRE(eventually([&] { return ace.get_json("/orchestrator/status")["streams"]["active"] == 0; },
                     30s));
  stream_reader r(ace.url("/ace/getstream?id=1b1b1b1b"));
  REQUIRE(r.wait_for_bytes(100000, 30s));
  auto stream_id = ace.get_json("/ace/status?id=1b1b1b1b")["stream_id"].get<std::string>();
  auto before = ace.engines();

  auto stopped = docker_cli({"stop", "-t", "20", ace.name()});
  REQUIRE(stopped.exit_code == 0);
  CHECK(ace.inspect("{{.State.ExitCode}}") == "0\n");  // not SIGKILLed
  CHECK(eventually([&] { return r.finished(); }, 10s));
  std::set<std::string> still_running;
  for (const auto& c : managed_containers(run, false))
    still_running.insert(c.id);
  CHECK(still_running == before);  // engines stay for the next start

  REQUIRE(docker_cli({"start", ace.name()}).exit_code == 0);
  REQUIRE(eventually([&] { return http_get(ace.url("/health/ready")).status == 200; }, 60s));
  CHECK(eventually([&] { return ace.engines() == before; }, 30s));
  // The relay stream was ended with `shutdown`, recorded in the database on the volume.
  auto ended = ace.get_json("/streams/" + std::string("1b1b1b1b%7C") +
                            stream_id.substr(stream_id.find('|') + 1));
  INFO(ace.logs());
  CHECK(ended["status"] == "ended");
  CHECK(ended["end_reason"] == "shutdown");
  CHECK(ace.engines() == before);
}

TEST_CASE("image: a second container started with --takeover takes the first one's viewers over") {
  require_docker();
  docker_run_scope run;
  sim_process sim;
  temp_dir data, sockets, config;
  chmod(data.path().c_str(), 0777);  // the image runs as uid 10001
  chmod(sockets.path().c_str(), 0777);
  auto port = free_port();
  auto env_file = config.write(
      "acepool.env", "APP_BIND=127.0.0.1\nAPP_PORT=" + std::to_string(port) +
                         "\nSTATIC_ENGINES=127.0.0.1:" + std::to_string(sim.port()) +
                         "\nDOCKER_HOST=unix:///nonexistent/acepool-test.sock\nMIN_REPLICAS=0\n"
                         "MIN_FREE_REPLICAS=0\nMAX_STREAMS_PER_ENGINE=10\n"
                         "TAKEOVER_SOCKET=/run/acepool/takeover.sock\n");
  // The operations.md recipe: host network, the socket's directory and the database shared.
  auto start = [&](const std::string& color) {
    auto r = docker_cli({"run", "-d", "--name", run.name(color), "--network", "host", "-v",
                         data.path() + ":/data", "-v", sockets.path() + ":/run/acepool",
                         "--env-file", env_file, local_image, "--takeover"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  struct removed {
    docker_run_scope& run;
    ~removed() { docker_cli({"rm", "-f", run.name("blue"), run.name("green")}); }
  } cleanup{run};
  auto url = [&](const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  };
  start("blue");  // nobody to take over: starts as usual
  REQUIRE(eventually([&] { return http_get(url("/engines")).status == 200; }, 30s));
  std::vector<std::unique_ptr<stream_reader>> readers;
  for (int i = 0; i < 3; ++i)
    readers.push_back(std::make_unique<stream_reader>(url("/ace/getstream?id=1c1c1c1c")));
  for (auto& r : readers)
    REQUIRE(r->wait_for_bytes(200000, 30s));

  start("green");
  auto waited = docker_cli({"wait", run.name("blue")}, 30s);
  CHECK(waited.out == "0\n");  // blue handed over and exited 0
  for (auto& r : readers) {
    auto had = r->bytes();
    CHECK(r->wait_for_bytes(had + 400000, 30s));
    auto rep = r->report();
    CHECK_FALSE(r->finished());
    CHECK(rep.sync_errors == 0);
    CHECK(rep.cc_errors == 0);
    CHECK(rep.index_jumps == 0);
  }
  CHECK(sim.stats()["sessions_started"] == 1);
  INFO(docker_cli({"logs", run.name("green")}).err);
  CHECK(json::parse(http_get(url("/ace/status")).body, nullptr, false)["clients"] == 3);
  for (auto& r : readers)
    r->stop();
}
