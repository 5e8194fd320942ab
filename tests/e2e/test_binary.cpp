#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/metric_families.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/socket_proxy.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string binary = ACEPOOL_BINARY;

/// Settings every started acepool gets in these tests: any free port, no database on disk, no
/// engines (the default image would be pulled from a registry, and tests stay on 127.0.0.1).
std::map<std::string, std::string> base_env(std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env{{"APP_PORT", "0"},
                                         {"APP_BIND", "127.0.0.1"},
                                         {"DB_URL", "sqlite:///:memory:"},
                                         {"MIN_REPLICAS", "0"},
                                         {"IMAGE_PULL_POLICY", "never"}};
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

/// Waits for the `http.listening` log line and returns the port it reports.
uint16_t listening_port(child_process& p) {
  auto line = p.wait_for_line(
      [](const std::string& l) {
        return l.find("\"msg\":\"http.listening\"") != std::string::npos;
      },
      20s);
  INFO(p.stderr_text());
  REQUIRE(line);
  return json::parse(*line)["port"].get<uint16_t>();
}

}  // namespace

TEST_CASE("a bad value exits with code 2 and one line naming variable, value and what is allowed") {
  auto r = run_program(binary, {}, base_env({{"MIN_REPLICAS", "lots"}}));
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "acepool: invalid configuration: MIN_REPLICAS=\"lots\" is not allowed: expected an integer "
        "from 0 to "
        "1000\n");
  auto rule = run_program(binary, {}, base_env({{"MIN_REPLICAS", "4"}, {"MAX_REPLICAS", "2"}}));
  CHECK(rule.exit_code == 2);
  CHECK_THAT(rule.err, Catch::Contains("MIN_REPLICAS=4 must not exceed MAX_REPLICAS=2"));
}

TEST_CASE("unknown arguments exit with code 2, CAF never sees the command line") {
  auto r = run_program(binary, {"--scheduler.policy=stealing"}, base_env());
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown argument \"--scheduler.policy=stealing\""));
}

TEST_CASE(
    "the help flag lists the flags and every variable and the version flag prints the version") {
  auto help = run_program(binary, {"--help"}, {});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--env-file PATH"));
  CHECK_THAT(help.out, Catch::Contains("--healthcheck"));
  CHECK_THAT(help.out, Catch::Contains("MAX_CLIENTS (default 4096)"));
  CHECK_THAT(help.out, Catch::Contains("ACEXY_MAX_STREAMS_PER_ENGINE -> MAX_STREAMS_PER_ENGINE"));
  auto version = run_program(binary, {"--version"}, {});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("acepool "));
}

TEST_CASE("printing the configuration shows effective values with secrets redacted") {
  auto r = run_program(binary, {"--print-config"},
                       base_env({{"API_KEY", "hunter2"}, {"MAX_REPLICAS", "7"}}));
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("API_KEY=<redacted>\n"));
  CHECK_THAT(r.out, Catch::Contains("MAX_REPLICAS=7\n"));
  CHECK(r.out.find("hunter2") == std::string::npos);
}

TEST_CASE("an env file is read, ./.env by default, and the real environment wins") {
  temp_dir dir;
  dir.write(".env", "MAX_REPLICAS=9\nMIN_REPLICAS=2\n");
  auto file = dir.write("other.env", "MAX_REPLICAS=11\n");
  auto by_default =
      run_program(binary, {"--print-config"}, {{"MIN_REPLICAS", "3"}}, 30s, dir.path());
  CHECK_THAT(by_default.out, Catch::Contains("MAX_REPLICAS=9\n"));
  CHECK_THAT(by_default.out, Catch::Contains("MIN_REPLICAS=3\n"));
  auto explicit_file =
      run_program(binary, {"--env-file", file, "--print-config"}, {}, 30s, dir.path());
  CHECK_THAT(explicit_file.out, Catch::Contains("MAX_REPLICAS=11\n"));
  auto missing = run_program(binary, {"--env-file=/nonexistent.env"}, {}, 30s, dir.path());
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("cannot read env file /nonexistent.env"));
  auto broken = dir.write("broken.env", "GOOD=1\nnot an assignment\n");
  auto bad = run_program(binary, {"--env-file", broken}, {}, 30s, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("broken.env:2"));
}

TEST_CASE(
    "acepool serves, answers --healthcheck, and stops cleanly on SIGTERM within "
    "SHUTDOWN_TIMEOUT_S") {
  child_process p(binary, {}, base_env({{"SHUTDOWN_TIMEOUT_S", "5"}}));
  auto port = listening_port(p);
  auto health = http_get("http://127.0.0.1:" + std::to_string(port) + "/health");
  CHECK(health.status == 200);
  auto hc = run_program(binary, {"--healthcheck"},
                        {{"APP_PORT", std::to_string(port)}, {"APP_BIND", "0.0.0.0"}});
  CHECK(hc.exit_code == 0);
  p.signal(SIGTERM);
  auto code = p.wait(6s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK_THAT(p.stderr_text(), Catch::Contains("\"msg\":\"shutdown.complete\""));
  // Nothing listens any more: the healthcheck now fails.
  auto after = run_program(binary, {"--healthcheck"}, {{"APP_PORT", std::to_string(port)}});
  CHECK(after.exit_code == 1);
}

TEST_CASE("SIGINT stops acepool like SIGTERM") {
  child_process p(binary, {}, base_env());
  listening_port(p);
  p.signal(SIGINT);
  auto code = p.wait(10s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK_THAT(p.stderr_text(), Catch::Contains("\"signal\":\"SIGINT\""));
}

TEST_CASE("every log line is one JSON object and LOG_FORMAT=text gives plain lines") {
  child_process p(binary, {}, base_env({{"LOG_LEVEL", "debug"}}));
  auto port = listening_port(p);
  http_get("http://127.0.0.1:" + std::to_string(port) + "/nope");
  p.signal(SIGTERM);
  REQUIRE(p.wait(10s));
  std::istringstream lines(p.stderr_text());
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    auto j = json::parse(line, nullptr, false);
    CHECK(j.is_object());
    CHECK(j.contains("time"));
    CHECK(j.contains("level"));
    CHECK(j.contains("msg"));
    ++count;
  }
  CHECK(count >= 4);
  CHECK_THAT(p.stderr_text(), Catch::Contains("\"msg\":\"http.request\""));
  child_process t(binary, {}, base_env({{"LOG_FORMAT", "text"}}));
  auto text_line = t.wait_for_line(
      [](const std::string& l) { return l.find("msg=http.listening") != std::string::npos; }, 20s);
  CHECK(text_line);
}

TEST_CASE("one line at start says which security mode is active") {
  child_process p(binary, {}, base_env());
  auto line = p.wait_for_line(
      [](const std::string& l) { return l.find("security.mode") != std::string::npos; }, 20s);
  REQUIRE(line);
  auto j = json::parse(*line);
  CHECK(j["mode"] == "protected");
  CHECK(j["level"] == "warn");
  CHECK_THAT(j["detail"].get<std::string>(), Catch::Contains("set API_KEY"));
  child_process k(binary, {}, base_env({{"API_KEY", "s3cret-key"}}));
  auto keyed = k.wait_for_line(
      [](const std::string& l) { return l.find("security.mode") != std::string::npos; }, 20s);
  REQUIRE(keyed);
  CHECK(json::parse(*keyed)["mode"] == "api_key");
  CHECK(keyed->find("s3cret-key") == std::string::npos);
}

TEST_CASE("the open-file soft limit is raised to the hard limit at start") {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  child_process p(binary, {}, base_env());
  auto line = p.wait_for_line(
      [](const std::string& l) { return l.find("acepool.starting") != std::string::npos; }, 20s);
  REQUIRE(line);
  CHECK(json::parse(*line)["open_file_limit"].get<uint64_t>() == lim.rlim_max);
}

TEST_CASE("a port already in use is reported and acepool exits non-zero") {
  child_process first(binary, {}, base_env());
  auto port = listening_port(first);
  auto second = run_program(binary, {}, base_env({{"APP_PORT", std::to_string(port)}}), 20s);
  CHECK(second.exit_code == 1);
  CHECK_THAT(second.err, Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(port)));
}

TEST_CASE(
    "readiness follows Docker: ready with the daemon, 503 while it is cut, ready again after") {
  require_docker();
  temp_dir dir;
  socket_proxy proxy(dir.path() + "/docker.sock");
  child_process p(binary, {}, base_env({{"DOCKER_HOST", "unix://" + proxy.path()}}));
  auto port = listening_port(p);
  auto ready_url = "http://127.0.0.1:" + std::to_string(port) + "/health/ready";
  CHECK(eventually([&] { return http_get(ready_url).status == 200; }));
  CHECK(json::parse(http_get(ready_url).body)["docker"] == "ok");
  proxy.cut();
  auto cut = http_get(ready_url);
  CHECK(cut.status == 503);
  auto body = json::parse(cut.body);
  CHECK(body["docker"] == "unreachable");
  CHECK_THAT(body["docker_detail"].get<std::string>(), Catch::Contains("docker daemon"));
  proxy.restore();
  // The last answer is printed when readiness does not come back.
  std::string last;
  bool ready = eventually(
      [&] {
        auto r = http_get(ready_url);
        last = r.body;
        return r.status == 200;
      },
      60s);
  INFO(last);
  CHECK(ready);
}

TEST_CASE("with no daemon at DOCKER_HOST acepool still serves and reports Docker unreachable") {
  temp_dir dir;
  child_process p(binary, {}, base_env({{"DOCKER_HOST", "unix://" + dir.path() + "/nobody.sock"}}));
  auto port = listening_port(p);
  CHECK(http_get("http://127.0.0.1:" + std::to_string(port) + "/health").status == 200);
  auto ready = http_get("http://127.0.0.1:" + std::to_string(port) + "/health/ready");
  CHECK(ready.status == 503);
  CHECK(json::parse(ready.body)["docker"] == "unreachable");
}

TEST_CASE("an unusable database stops acepool at start with code 2 and says what to do") {
  temp_dir dir;
  auto corrupt = dir.write("corrupt.db", std::string(8192, 'x'));
  auto r = run_program(binary, {}, base_env({{"DB_URL", "sqlite:///" + corrupt}}), 20s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("invalid configuration: DB_URL=sqlite:///" + corrupt) &&
                        Catch::Contains("is not a SQLite database or is corrupt") &&
                        Catch::Contains("point DB_URL at a new file"));
  auto plain = dir.write("not-a-dir", "x");
  auto nowhere =
      run_program(binary, {}, base_env({{"DB_URL", "sqlite:///" + plain + "/acepool.db"}}), 20s);
  CHECK(nowhere.exit_code == 2);
  CHECK_THAT(nowhere.err, Catch::Contains("cannot open"));
}

TEST_CASE(
    "a new database file is created with acepool's schema, the file of another application is "
    "refused") {
  temp_dir dir;
  auto path = dir.path() + "/fresh.db";
  child_process p(binary, {}, base_env({{"DB_URL", "sqlite:///" + path}}));
  listening_port(p);
  p.signal(SIGTERM);
  CHECK(p.wait(20s) == 0);
  auto header = std::string(16, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    in.read(header.data(), 16);
  }
  CHECK(header.rfind("SQLite format 3", 0) == 0);
  // A database without acepool's tables (e.g. the old orchestrator's) is not touched.
  auto foreign = dir.path() + "/orchestrator.db";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(foreign.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "CREATE TABLE engines (container_id TEXT)", nullptr, nullptr, nullptr) ==
        SQLITE_OK);
  sqlite3_close(db);
  auto r = run_program(binary, {}, base_env({{"DB_URL", "sqlite:///" + foreign}}), 20s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("another application's database (tables: engines"));
}

TEST_CASE("a fresh scrape has every documented family, its fixed series at 0 before any event") {
  temp_dir dir;
  child_process p(binary, {}, base_env({{"DOCKER_HOST", "unix://" + dir.path() + "/nobody.sock"}}));
  auto port = listening_port(p);
  auto scrape = http_get("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  REQUIRE(scrape.status == 200);
  for (const auto* f : acepool::metrics::catalogue()) {
    INFO(f->name);
    // Families whose label values depend on what happens (a route, an actor) appear on first use.
    if (f->initial.empty()) continue;
    CHECK_THAT(scrape.body, Catch::Contains("# TYPE " + std::string(f->name) + " " +
                                            acepool::metrics::to_string(f->type) + "\n"));
    if (f->own_renderer) continue;
    for (const auto& values : f->initial) {
      auto series = std::string(f->name) +
                    acepool::metrics::render_labels(acepool::metrics::labels_of(*f, values));
      INFO(series);
      // Breakers and connections report their state at once; counters and the rest wait at 0.
      bool zero = scrape.body.find("\n" + series + " 0\n") != std::string::npos;
      bool present = scrape.body.find("\n" + series + " ") != std::string::npos;
      CHECK(present);
      if (f->type == acepool::metrics::family_type::counter) CHECK(zero);
    }
  }
  // And nothing outside the catalogue (a family registered by name only would be undocumented).
  std::istringstream lines(scrape.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    auto name = line.substr(7, line.find(' ', 7) - 7);
    INFO(name);
    CHECK(acepool::metrics::find_family(name) != nullptr);
  }
  // Prometheus' own linter (names, help, types, suffixes) over the same scrape.
  auto file = dir.write("scrape.txt", scrape.body);
  auto lint = run_program("/bin/sh", {"-c", "promtool check metrics < " + file}, base_env({}));
  INFO(lint.out << lint.err);
  CHECK(lint.exit_code == 0);
  CHECK(lint.out + lint.err == "");
}
