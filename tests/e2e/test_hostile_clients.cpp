// The acepool binary against clients that misbehave on purpose: pipelining across every kind of
// route, malformed and oversized requests, text that is not UTF-8 in every parameter of every
// route, slow headers, partial bodies, thousands of connections and a low open-file limit.
// After each battery acepool must still be whole: every actor answering, ready, streaming, and
// every stream record written to the database on disk.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/resource.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/raw_connection.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/skip.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// acepool on the real daemon (its own label and ports, nothing provisioned unless asked) with
/// two simulator engines as static engines to stream from, and its database in `db`.
std::map<std::string, std::string> hostile_env(const docker_run_scope& run, const port_block& ports,
                                               const std::vector<const sim_process*>& sims,
                                               const std::string& db,
                                               std::map<std::string, std::string> extra = {}) {
  std::string engines;
  for (const auto* s : sims)
    engines += (engines.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(s->port());
  auto env = pool_env(run, ports,
                      {{"STATIC_ENGINES", engines},
                       {"MIN_REPLICAS", "0"},
                       {"MIN_FREE_REPLICAS", "0"},
                       {"MAX_REPLICAS", "2"},
                       {"DB_URL", "sqlite:///" + db},
                       {"LOG_LEVEL", "info"},
                       {"HEALTH_CHECK_INTERVAL_S", "1"}});
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

std::string get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

std::string post(const std::string& target, const std::string& body,
                 const std::string& extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

std::string started_event(const std::string& key, const std::string& session, uint16_t port) {
  return json{
      {"container_id", "static-127.0.0.1-" + std::to_string(port)},
      {"engine", {{"host", "127.0.0.1"}, {"port", port}}},
      {"stream", {{"key_type", "content_id"}, {"key", key}}},
      {"session",
       {{"playback_session_id", session},
        {"stat_url", "http://127.0.0.1:" + std::to_string(port) + "/ace/stat/x/" + session},
        {"command_url", "http://127.0.0.1:" + std::to_string(port) + "/ace/cmd/x/" + session},
        {"is_live", 1}}}}
      .dump();
}

/// Every actor answers /debug/actors, and /health/ready is 200.
void check_whole(const acepool_process& ace) {
  auto ready = ace.get("/health/ready");
  INFO(ready.body);
  CHECK(ready.status == 200);
  auto actors = json_of(ace.get("/debug/actors"));
  REQUIRE(actors.is_array());
  for (const auto& a : actors) {
    INFO(a.dump());
    CHECK(a["responding"] == true);
  }
  CHECK(json_of(ready)["actors"]["missing"].empty());
}

/// ffprobe reads a stream through the relay.
void check_stream_plays(const acepool_process& ace, const std::string& key) {
  auto r = run_program("/usr/bin/ffprobe",
                       {"-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                        ace.url("/ace/getstream?id=" + key)},
                       {}, 60s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("h264") != std::string::npos);
}

/// Stream ids in the database file.
std::set<std::string> stream_ids_in_db(const std::string& path) {
  std::set<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT id FROM streams", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW)
      out.insert(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

/// Every record acepool lists (started and ended) is in the database.
void check_records_persisted(const acepool_process& ace, const std::string& db) {
  std::set<std::string> listed;
  for (const char* status : {"started", "ended"})
    for (const auto& s : json_of(ace.get(std::string("/streams?status=") + status)))
      listed.insert(s["id"].get<std::string>());
  REQUIRE_FALSE(listed.empty());
  // The store writes once a second.
  CHECK(eventually(
      [&] {
        auto stored = stream_ids_in_db(db);
        return std::includes(stored.begin(), stored.end(), listed.begin(), listed.end());
      },
      10s));
}

long rss_kb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

/// A route and the parameters it reads.
struct route_case {
  std::string method;
  std::string path;  ///< `{}` marks the path parameter
  std::vector<std::string> query;
};

const std::vector<route_case>& every_route() {
  static const std::vector<route_case> routes{
      {"GET", "/health", {}},
      {"GET", "/health/ready", {}},
      {"GET", "/health/status", {}},
      {"GET", "/orchestrator/status", {}},
      {"GET", "/vpn/status", {}},
      {"GET", "/metrics", {}},
      {"GET", "/engines", {}},
      {"GET", "/engines/health-score", {}},
      {"GET", "/engines/{}", {}},
      {"GET", "/streams", {"status", "container_id"}},
      {"GET", "/streams/{}", {}},
      {"DELETE", "/streams/{}", {}},
      {"GET", "/streams/{}/stats", {"since"}},
      {"GET", "/debug/actors", {}},
      {"GET", "/debug/actors/{}", {}},
      {"GET", "/debug/config", {}},
      {"GET", "/by-label", {"key", "value"}},
      {"GET", "/containers/{}", {}},
      {"DELETE", "/containers/{}", {}},
      {"POST", "/scale/{}", {}},
      {"POST", "/gc", {}},
      {"POST", "/provision", {}},
      {"POST", "/provision/acestream", {}},
      {"POST", "/health/circuit-breaker/reset", {"operation_type"}},
      {"POST", "/events/stream_started", {}},
      {"POST", "/events/stream_ended", {}},
      {"POST", "/events/batch", {}},
      {"GET", "/ace/status", {"id", "infohash"}},
      {"GET", "/ace/getstream", {"id", "infohash", "token"}},
  };
  return routes;
}

std::string request_for(const route_case& r, const std::string& path, const std::string& query) {
  auto target = path + (query.empty() ? "" : "?" + query);
  std::string head = r.method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (r.method == "POST") head += "Content-Type: application/json\r\nContent-Length: 2\r\n";
  return head + "Connection: close\r\n\r\n" + (r.method == "POST" ? "{}" : "");
}

}  // namespace

TEST_CASE(
    "hostile: text that is not UTF-8 or holds control bytes, in every parameter of every "
    "route, gets 400 and changes nothing") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  temp_dir dir;
  sim_process a, b;
  auto db = dir.path() + "/acepool.db";
  acepool_process ace(hostile_env(run, ports, {&a, &b}, db));
  stream_reader live(ace.url("/ace/getstream?id=feedfeed01"));
  REQUIRE(live.wait_for_bytes(50000, 30s));
  const std::vector<std::string> bad{"%FF",   "%C0%AF", "%ED%A0%80", "%F4%90%80%80",
                                     "a%00b", "%0A",    "%1B%5B31m", "%7F"};
  int asked = 0;
  for (const auto& r : every_route()) {
    std::vector<std::pair<std::string, std::string>> targets;  // path, query
    for (const auto& v : bad) {
      if (r.path.find("{}") != std::string::npos) {
        auto p = r.path;
        p.replace(p.find("{}"), 2, v);
        targets.emplace_back(p, "");
      }
      auto plain = r.path;
      if (plain.find("{}") != std::string::npos) plain.replace(plain.find("{}"), 2, "x");
      for (const auto& name : r.query)
        targets.emplace_back(plain, name + "=" + v);
      targets.emplace_back(plain, v + "=1");  // as a parameter name
    }
    for (const auto& [path, query] : targets) {
      raw_connection c(ace.port());
      REQUIRE(c.send(request_for(r, path, query)));
      auto answers = split_responses(c.read_until_close(10s));
      INFO(r.method << " " << path << "?" << query);
      REQUIRE(answers.size() == 1);
      CHECK(answers[0].status == 400);
      auto body = json::parse(answers[0].body, nullptr, false);
      CHECK(body["detail"].is_string());
      ++asked;
    }
  }
  CHECK(asked >= 300);                                    // 8 bad texts in 48 path and query places
  CHECK(live.wait_for_bytes(live.bytes() + 50000, 10s));  // the stream never noticed
  check_whole(ace);
  CHECK(ace.get("/streams?status=started").body.find("\\ufffd") == std::string::npos);
  check_stream_plays(ace, "feedfeed02");
  live.stop();
  check_records_persisted(ace, db);
}

TEST_CASE(
    "hostile: pipelined requests over every kind of route, a stream and Connection: close "
    "in the middle, are answered in order") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  temp_dir dir;
  sim_process a, b;
  auto db = dir.path() + "/acepool.db";
  acepool_process ace(hostile_env(run, ports, {&a, &b}, db));
  auto mix = [&](int i) {
    switch (i % 8) {
      case 0:
        return std::make_pair(get("/health"), 200);
      case 1:
        return std::make_pair(get("/health/ready"), 200);  // answered by the actors, later
      case 2:
        return std::make_pair(get("/engines"), 200);
      case 3:
        return std::make_pair(
            post("/events/stream_started",
                 started_event("pipe" + std::to_string(i), "s" + std::to_string(i), a.port())),
            200);
      case 4:
        return std::make_pair(get("/no/such/route"), 404);
      case 5:
        return std::make_pair(get("/ace/status?id=nothing-here"), 404);
      case 6:
        return std::make_pair(post("/scale/abc", "{}"), 422);
      default:
        return std::make_pair(get("/debug/actors"), 200);
    }
  };
  for (int n : {2, 3, 16}) {
    raw_connection c(ace.port());
    std::string batch;
    std::vector<int> expected;
    for (int i = 0; i < n; ++i) {
      auto [bytes, status] = mix(i + n);
      batch += bytes;
      expected.push_back(status);
    }
    REQUIRE(c.send(batch));
    auto answers = c.read_responses(static_cast<size_t>(n), 20s);
    INFO("pipeline of " << n);
    REQUIRE(answers.size() == static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      INFO("answer " << i << ": " << answers[i].body.substr(0, 200));
      CHECK(answers[i].status == expected[i]);
    }
  }
  {
    // Connection: close in the middle: two answers, then the connection ends.
    raw_connection c(ace.port());
    REQUIRE(
        c.send(get("/health/ready") + get("/engines", "Connection: close\r\n") + get("/health")));
    auto answers = split_responses(c.read_until_close(20s));
    REQUIRE(answers.size() == 2);
    CHECK(answers[0].status == 200);
    CHECK(answers[1].header("Connection") == "close");
  }
  {
    // A stream in the middle: the answers before it, then the stream on the same connection;
    // what follows it is never read.
    raw_connection c(ace.port());
    REQUIRE(c.send(get("/health/ready") + get("/engines") + get("/ace/getstream?id=pipepipe") +
                   get("/health")));
    auto answers = c.read_responses(2, 20s);
    REQUIRE(answers.size() == 2);
    CHECK(answers[0].status == 200);
    CHECK(answers[1].status == 200);
    auto stream = c.read_until_close(3s);  // the stream goes on; read what 3 s brought
    REQUIRE(stream.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(stream.find("Content-Type: video/MP2T") != std::string::npos);
    CHECK(stream.size() > 100000);
    CHECK(stream.find("{\"status\":\"ok\"}") == std::string::npos);
  }
  check_whole(ace);
  check_records_persisted(ace, db);
}

TEST_CASE("hostile: malformed, oversized and slow requests get their 4xx and leave acepool whole") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  temp_dir dir;
  sim_process a, b;
  auto db = dir.path() + "/acepool.db";
  acepool_process ace(hostile_env(run, ports, {&a, &b}, db, {{"HTTP_HEADER_TIMEOUT_S", "3"}}));
  stream_reader live(ace.url("/ace/getstream?id=feedfeed03"));
  REQUIRE(live.wait_for_bytes(50000, 30s));
  struct probe {
    std::string bytes;
    int status;
  };
  std::string nul_header("GET /health HTTP/1.1\r\nX: a\0b\r\n\r\n", 31);
  const std::vector<probe> probes{
      {"GARBAGE\r\n\r\n", 400},
      {"GET /health HTTP/1.1\r\nNo colon here\r\n\r\n", 400},
      {"GET /health HTTP/9.9\r\n\r\n", 505},
      {"GET /hea\x7f"
       "lth HTTP/1.1\r\n\r\n",
       400},
      {nul_header, 400},
      {"POST /provision HTTP/1.1\r\nContent-Length: 12\r\nContent-Length: 13\r\n\r\n", 400},
      {"POST /provision HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 400},
      {"POST /provision HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: "
       "chunked\r\n\r\nxyz\r\n",
       400},
      {"POST /provision HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400},
      {get("/" + std::string(10000, 'a')), 414},
      {get("/health", "X-Big: " + std::string(20000, 'b') + "\r\n"), 431},
      {"POST /events/stream_started HTTP/1.1\r\nContent-Type: application/json\r\n"
       "Content-Length: 104857600\r\n\r\n",
       413},
      {post("/events/stream_started", "{\"a\":1e400}"), 422},
      {post("/events/stream_started", std::string(5000, '[')), 422},
      {post("/events/stream_started", "{\"stream\":\"\xff\xfe\"}"), 422},
      {post("/scale/99999999999999999999999", "{}"), 422},
  };
  for (const auto& p : probes) {
    raw_connection c(ace.port());
    REQUIRE(c.send(p.bytes));
    auto answers = split_responses(c.read_until_close(10s));
    INFO(p.bytes.substr(0, 80));
    REQUIRE(answers.size() >= 1);
    CHECK(answers[0].status == p.status);
    CHECK(json::parse(answers[0].body, nullptr, false)["detail"].is_null() == false);
  }
  {
    // 60 partial bodies just under MAX_BODY_BYTES: memory stays bounded, each gets 408 when
    // HTTP_BODY_TIMEOUT_S would end it (not waited for here), and acepool keeps answering.
    auto before = rss_kb(ace.process().pid());
    std::vector<std::unique_ptr<raw_connection>> partial;
    for (int i = 0; i < 60; ++i) {
      partial.push_back(std::make_unique<raw_connection>(ace.port()));
      REQUIRE(
          partial.back()->send("POST /events/stream_started HTTP/1.1\r\nContent-Length: "
                               "1000000\r\nContent-Type: application/json\r\n\r\n" +
                               std::string(500000, ' ')));
    }
    std::this_thread::sleep_for(500ms);
    auto during = rss_kb(ace.process().pid());
    CHECK(during - before < 100 * 1024);  // 60 x 0.5 MB received: at most that, not 8x it
    CHECK(ace.get("/health").status == 200);
  }
  {
    // Slowloris: 300 connections trickle header bytes. /health stays fast meanwhile, and each
    // of them is cut with 408 at HTTP_HEADER_TIMEOUT_S.
    std::vector<std::unique_ptr<raw_connection>> slow;
    for (int i = 0; i < 300; ++i) {
      slow.push_back(std::make_unique<raw_connection>(ace.port()));
      REQUIRE(slow.back()->send("GET /health HTTP/1.1\r\nX-Slow: "));
    }
    double worst_ms = 0;
    auto until = std::chrono::steady_clock::now() + 2500ms;
    while (std::chrono::steady_clock::now() < until) {
      for (auto& s : slow)
        s->send("z");
      auto t0 = std::chrono::steady_clock::now();
      auto r = ace.get("/health");
      auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
      CHECK(r.status == 200);
      worst_ms = std::max(worst_ms, ms.count());
      std::this_thread::sleep_for(100ms);
    }
    CHECK(worst_ms < 100);
    int timed_out = 0;
    for (auto& s : slow) {
      auto answers = split_responses(s->read_until_close(5s));
      if (answers.size() == 1 && answers[0].status == 408) ++timed_out;
    }
    CHECK(timed_out == 300);
  }
  CHECK(live.wait_for_bytes(live.bytes() + 50000, 10s));
  check_whole(ace);
  check_stream_plays(ace, "feedfeed04");
  live.stop();
  check_records_persisted(ace, db);
}

TEST_CASE("hostile: 5,000 concurrent connections are all answered") {
  require_docker();
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_max < 12000)
    skip_test("needs an open-file limit of 12000 for both ends; this machine allows " +
              std::to_string(lim.rlim_max));
  rlimit raised{12000, lim.rlim_max};
  REQUIRE(setrlimit(RLIMIT_NOFILE, &raised) == 0);
  docker_run_scope run;
  port_block ports;
  temp_dir dir;
  sim_process a;
  acepool_process ace(hostile_env(run, ports, {&a}, dir.path() + "/acepool.db"));
  std::vector<std::unique_ptr<raw_connection>> conns;
  for (int i = 0; i < 5000; ++i) {
    conns.push_back(std::make_unique<raw_connection>(ace.port()));
    REQUIRE(conns.back()->connected());
  }
  for (auto& c : conns)
    REQUIRE(c->send(get("/health")));
  int answered = 0;
  for (auto& c : conns) {
    auto r = c->read_responses(1, 20s);
    if (r.size() == 1 && r[0].status == 200) ++answered;
  }
  CHECK(answered == 5000);
  auto metrics = ace.get("/metrics").body;
  CHECK(metrics.find("acepool_http_connections 5001") != std::string::npos);
  conns.clear();
  check_whole(ace);
}

TEST_CASE(
    "hostile: under a low open-file limit, more idle connections than it allows leave "
    "acepool accepting and whole") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  temp_dir dir;
  sim_process a;
  auto db = dir.path() + "/acepool.db";
  // 256 descriptors: MAX_CONNECTIONS becomes 128 (half the limit below 1024).
  acepool_process ace(hostile_env(run, ports, {&a}, db), {}, 256);
  std::vector<std::unique_ptr<raw_connection>> idle;
  for (int i = 0; i < 600; ++i)
    idle.push_back(std::make_unique<raw_connection>(ace.port()));
  std::this_thread::sleep_for(1s);
  auto metrics = ace.get("/metrics");
  INFO(metrics.error);
  INFO(ace.process().stderr_text().substr(
      std::max<size_t>(ace.process().stderr_text().size(), 3000) - 3000));
  CHECK(metrics.status == 200);  // even now: the idle ones make room
  idle.clear();
  std::this_thread::sleep_for(500ms);
  for (int i = 0; i < 50; ++i)
    REQUIRE(ace.get("/health").status == 200);
  check_whole(ace);
  check_stream_plays(ace, "lowlimit01");
  check_records_persisted(ace, db);
  auto log = ace.process().stderr_text();
  CHECK(log.find("\"max_connections\":128") != std::string::npos);
}
