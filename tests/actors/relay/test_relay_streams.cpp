// The relay against simulator processes on loopback (STATIC_ENGINES), through the acepool
// binary and real HTTP clients. No Docker: provisioning points at a socket nobody serves.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/relay_test_env.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"

namespace {

using namespace acepool::testing;
using namespace std::chrono_literals;
using nlohmann::json;

std::string stream_url(const acepool_process& ace, const std::string& query) {
  return ace.url("/ace/getstream?" + query);
}

/// The relay stream records (started ones by default).
json relay_streams(const acepool_process& ace, const std::string& status = "started") {
  return json_of(ace.get("/streams?status=" + status));
}

int open_fds(pid_t pid) {
  int n = 0;
  auto path = "/proc/" + std::to_string(pid) + "/fd";
  if (DIR* d = opendir(path.c_str())) {
    while (readdir(d) != nullptr)
      ++n;
    closedir(d);
  }
  return n;
}

double relay_metric(const acepool_process& ace, const std::string& name) {
  auto text = ace.get("/metrics").body;
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

/// Whether /debug/actors lists no stream relay.
bool no_relays(const acepool_process& ace) {
  auto actors = json_of(ace.get("/debug/actors"));
  for (const auto& a : actors)
    if (a.value("kind", "") == "stream_relay") return false;
  return true;
}

}  // namespace

TEST_CASE("relay: clients get the simulator's packets in order from a PAT, late joiners too") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}));
  stream_reader::options o;
  o.keep_bytes = 188;
  stream_reader first(stream_url(ace, "id=aaaa1111&extra=1"), o);
  REQUIRE(first.wait_for_bytes(200000, 20s));
  CHECK(first.status() == 200);
  CHECK(first.content_type() == "video/MP2T");
  stream_reader second(stream_url(ace, "id=aaaa1111"), o);
  REQUIRE(second.wait_for_bytes(200000, 20s));
  first.stop();
  second.stop();
  for (const auto* r : {&first, &second}) {
    auto rep = r->report();
    CHECK(rep.sync_errors == 0);
    CHECK(rep.cc_errors == 0);
    CHECK(rep.index_jumps == 0);
    REQUIRE(rep.first_pat_offset);
    CHECK(*rep.first_pat_offset == 0);  // a player decodes from the first packet
  }
  CHECK(sessions_started(sim) == 1);
}

TEST_CASE("relay: ffprobe reads a relayed stream") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}));
  auto r = run_program("/usr/bin/ffprobe",
                       {"-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                        stream_url(ace, "infohash=ABCDEF0123456789ABCDEF0123456789ABCDEF01")},
                       {}, 60s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("h264") != std::string::npos);
  // The infohash is lower-cased into the stream key.
  REQUIRE(eventually([&] { return relay_streams(ace, "ended").size() == 1; }, 15s));
  CHECK(relay_streams(ace, "ended")[0]["key"] == "abcdef0123456789abcdef0123456789abcdef01");
}

TEST_CASE("relay: the stream is a chunked video/MP2T answer on a connection of its own") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}));
  temp_dir dir;
  // A live stream never ends: curl reads for four seconds (the first one starts the stream) and
  // is stopped by --max-time (28).
  auto r = run_program("/usr/bin/curl",
                       {"-s", "--max-time", "4", "-D", dir.path() + "/head", "-o",
                        dir.path() + "/body", stream_url(ace, "id=1010")},
                       {}, 20s);
  CHECK(r.exit_code == 28);
  auto head = read_file(dir.path() + "/head");
  CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(head.find("Content-Type: video/MP2T\r\n") != std::string::npos);
  CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(head.find("Connection: close\r\n") != std::string::npos);
  CHECK(head.find("X-Request-Id: ") != std::string::npos);
  // curl removes the chunk framing: what remains is bare TS packets.
  auto body = read_file(dir.path() + "/body");
  REQUIRE(body.size() >= 188 * 100);
  int sync_bytes = 0;
  for (size_t at = 0; at < 188 * 100; at += 188)
    sync_bytes += static_cast<unsigned char>(body[at]) == 0x47 ? 1 : 0;
  CHECK(sync_bytes == 100);
}

TEST_CASE("relay: 500 clients asking for the same new stream at once open one engine session") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"SIM_PREBUFFER_MS", "500"}}));
  std::vector<http_request> reqs(500);
  for (auto& r : reqs) {
    r.url = stream_url(ace, "id=bbbb2222");
    r.timeout = 4s;
  }
  auto replies = http_call_many(reqs, 500);
  int ok = 0;
  for (const auto& r : replies)
    ok += r.status_seen == 200 ? 1 : 0;
  CHECK(ok == 500);
  CHECK(sessions_started(sim) == 1);
}

TEST_CASE("relay: a stopped reader neither slows the others nor stays, a slow one skips") {
  sim_process sim({{"SIM_BITRATE", "8000000"}, {"SIM_PREBUFFER_MS", "0"}});
  acepool_process ace(
      relay_env({&sim}, {{"CLIENT_WRITE_TIMEOUT_S", "2"}, {"RELAY_BUFFER_BYTES", "524288"}}));
  stream_reader::options stopped;
  stopped.rcvbuf = 4096;
  stopped.max_bytes_per_s = 1;  // reads (almost) nothing
  stream_reader::options slow;
  slow.rcvbuf = 4096;
  // A third of the rate: once the kernel's socket buffers are full it falls behind the relay
  // buffer again and again.
  slow.max_bytes_per_s = 300000;
  stream_reader fast(stream_url(ace, "id=cccc3333"));
  REQUIRE(fast.wait_for_bytes(100000, 20s));
  stream_reader stuck(stream_url(ace, "id=cccc3333"), stopped);
  stream_reader lagging(stream_url(ace, "id=cccc3333"), slow);
  auto before = fast.bytes();
  std::this_thread::sleep_for(10s);
  auto got = fast.bytes() - before;
  CHECK(got >= 0.8 * 8000000 / 8 * 10);  // the fast reader got the full rate
  CHECK(fast.report().sync_errors == 0);
  // Dropped by the server (the reader itself would take hours to drain its socket buffer).
  REQUIRE(eventually([&] { return relay_status(ace)["clients"] == 2; }, 30s));
  CHECK(relay_metric(ace, "acepool_relay_client_drops_total") >= 1);
  CHECK(
      eventually([&] { return relay_metric(ace, "acepool_relay_client_skips_total") >= 1; }, 30s));
  CHECK_FALSE(lagging.finished());
  CHECK(lagging.report().sync_errors == 0);
}

TEST_CASE("relay: 500 clients disconnecting at once, 10 rounds, leave nothing behind") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}});
  acepool_process ace(relay_env({&sim}));
  auto pid = ace.process().pid();
  // Warm up once so lazily opened files (logs, sockets) are in the baseline.
  stream_reader warm(stream_url(ace, "id=dddd4444"));
  REQUIRE(warm.wait_for_bytes(10000, 20s));
  warm.stop();
  REQUIRE(eventually([&] { return no_relays(ace); }, 15s));
  auto baseline = open_fds(pid);
  for (int round = 0; round < 10; ++round) {
    std::vector<http_request> reqs(500);
    for (auto& r : reqs) {
      r.url = stream_url(ace, "id=dddd4444");
      r.timeout = 1500ms;
    }
    auto replies = http_call_many(reqs, 500);
    INFO("round " << round);
    CHECK(replies.front().status_seen == 200);
    REQUIRE(eventually([&] { return relay_status(ace)["clients"] == 0 && no_relays(ace); }, 20s));
  }
  CHECK(ace.process().running());
  // A few pooled keep-alive connections to the engine may differ; 5000 leaked clients would not.
  CHECK(eventually([&] { return open_fds(pid) <= baseline + 8; }, 15s));
  auto overview = relay_status(ace);
  CHECK(overview["clients"] == 0);
  CHECK(overview["streams"] == 0);
}

TEST_CASE("relay: the last client leaving stops the engine session and ends the record") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}));
  stream_reader r(stream_url(ace, "id=eeee5555"));
  REQUIRE(r.wait_for_bytes(10000, 20s));
  auto status = relay_status(ace, "?id=eeee5555");
  CHECK(status["clients"] == 1);
  CHECK(status["engine"]["port"] == sim.port());
  auto stream_id = status["stream_id"].get<std::string>();
  CHECK(stream_id.rfind("eeee5555|", 0) == 0);
  auto overview = relay_status(ace);
  CHECK(overview["clients"] == 1);
  CHECK(overview["streams"] == 1);
  // The overview counts every byte written to clients (the panel's relay Mbit/s).
  REQUIRE(eventually([&] { return relay_status(ace)["bytes_relayed"].get<uint64_t>() > 0; }, 10s));
  auto relayed = relay_status(ace)["bytes_relayed"].get<uint64_t>();
  CHECK(eventually([&] { return relay_status(ace)["bytes_relayed"].get<uint64_t>() > relayed; },
                   10s));
  auto active = relay_streams(ace);
  REQUIRE(active.size() == 1);
  CHECK(active[0]["source"] == "relay");
  CHECK(active[0]["id"] == stream_id);
  r.stop();
  REQUIRE(eventually([&] { return sim.stats()["stops"] == 1; }, 15s));
  REQUIRE(eventually([&] { return relay_streams(ace, "ended").size() == 1; }, 15s));
  CHECK(relay_streams(ace, "ended")[0]["end_reason"] == "client_disconnect");
  CHECK(ace.get("/ace/status?id=eeee5555").status == 404);
}

TEST_CASE("relay: a client that hangs up before the first byte is let go without waiting for it") {
  // The engine takes 30 s to produce a byte (and may); the client gives up after half a second.
  sim_process sim({{"SIM_PREBUFFER_MS", "30000"}});
  acepool_process ace(relay_env({&sim}, {{"STREAM_START_TIMEOUT_S", "60"}}));
  {
    stream_reader impatient(stream_url(ace, "id=abab1212"));
    REQUIRE(eventually([&] { return relay_status(ace)["clients"] == 1; }, 10s));
    std::this_thread::sleep_for(500ms);
  }
  CHECK(eventually([&] { return relay_status(ace)["clients"] == 0; }, 10s));
  CHECK(relay_metric(ace, "acepool_relay_client_disconnects_total") == 1);
  CHECK(eventually([&] { return sim.stats()["stops"] == 1; }, 10s));
}

TEST_CASE("relay: DELETE /streams/{id} closes the relay's clients") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}));
  stream_reader r(stream_url(ace, "id=ffff6666"));
  REQUIRE(r.wait_for_bytes(10000, 20s));
  auto id = relay_status(ace, "?id=ffff6666")["stream_id"].get<std::string>();
  auto reply = ace.del("/streams/" + id);
  CHECK(reply.status == 200);
  CHECK(json_of(reply)["stream"]["end_reason"] == "stopped_by_api");
  REQUIRE(r.wait_finished(10s));
  CHECK(r.curl_code() == 0);  // the body ended cleanly
  CHECK(eventually([&] { return sim.stats()["stops"] == 1; }, 10s));
  CHECK(ace.del("/streams/" + id).status == 409);
}

TEST_CASE("relay: failover after EOF, reset and stall keeps clients and the stream id") {
  auto cause =
      GENERATE(as<std::string>{}, "SIM_EOF_AFTER_S", "SIM_RESET_AFTER_S", "SIM_STALL_AFTER_S");
  INFO(cause);
  sim_process sim({{cause, "3"}, {"SIM_PREBUFFER_MS", "0"}});
  acepool_process ace(relay_env({&sim}, {{"STREAM_EMPTY_TIMEOUT_S", "2"}}));
  stream_reader r(stream_url(ace, "id=abab7777"));
  REQUIRE(r.wait_for_bytes(10000, 20s));
  auto id = relay_status(ace, "?id=abab7777")["stream_id"];
  // The first session breaks after 3 s; the relay opens the next one (which breaks too).
  REQUIRE(eventually([&] { return sessions_started(sim) >= 2; }, 20s));
  auto at_failover = r.bytes();
  REQUIRE(r.wait_for_bytes(at_failover + 100000, 20s));
  CHECK_FALSE(r.finished());
  CHECK(r.report().sync_errors == 0);
  CHECK(relay_status(ace, "?id=abab7777")["stream_id"] == id);
  CHECK(relay_streams(ace).size() == 1);
  CHECK(relay_metric(ace, "acepool_relay_failovers_total") >= 1);
}

TEST_CASE("relay: a killed engine fails over to another with the same stream id") {
  auto a = std::make_unique<sim_process>();
  sim_process b;
  acepool_process ace(relay_env({a.get(), &b}));
  stream_reader r(stream_url(ace, "id=cdcd8888"));
  REQUIRE(r.wait_for_bytes(10000, 20s));
  auto status = relay_status(ace, "?id=cdcd8888");
  auto id = status["stream_id"];
  bool on_a = status["engine"]["port"] == a->port();
  sim_process& other = on_a ? b : *a;
  if (on_a)
    a.reset();  // killed
  else
    b.process().signal(9);
  REQUIRE(eventually([&] { return sessions_started(other) == 1; }, 20s));
  auto at_failover = r.bytes();
  REQUIRE(r.wait_for_bytes(at_failover + 100000, 20s));
  CHECK(r.report().sync_errors == 0);
  auto after = relay_status(ace, "?id=cdcd8888");
  CHECK(after["stream_id"] == id);
  CHECK(after["engine"]["port"] == other.port());
  CHECK(relay_streams(ace)[0]["container_id"] ==
        "static-127.0.0.1-" + std::to_string(other.port()));
  // One failover: the first new session went to the live engine, not back to the killed one
  // (nobody knew yet that it was dead).
  CHECK(relay_metric(ace, "acepool_relay_failovers_total") == 1);
}

TEST_CASE("relay: an engine turning unhealthy fails its stream over to a healthy one") {
  sim_process a, b;
  acepool_process ace(relay_env({&a, &b}, {{"HEALTH_FAILURE_THRESHOLD", "1"}}));
  REQUIRE(eventually(
      [&] {
        auto engines = ace.engines();
        return engines.size() == 2 && engines[0]["health_status"] == "healthy" &&
               engines[1]["health_status"] == "healthy";
      },
      15s));
  stream_reader r(stream_url(ace, "id=efef9999"));
  REQUIRE(r.wait_for_bytes(10000, 20s));
  bool on_a = relay_status(ace, "?id=efef9999")["engine"]["port"] == a.port();
  sim_process& used = on_a ? a : b;
  sim_process& other = on_a ? b : a;
  used.control({{"SIM_UNHEALTHY", true}});
  REQUIRE(eventually([&] { return sessions_started(other) == 1; }, 20s));
  REQUIRE(r.wait_for_bytes(r.bytes() + 100000, 20s));
  CHECK(relay_status(ace, "?id=efef9999")["engine"]["port"] == other.port());
  CHECK(eventually([&] { return used.stats()["stops"] == 1; }, 10s));
}

TEST_CASE("relay: bad requests get acexy's messages as JSON") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"STREAM_TOKEN", "s3cret"}}));
  auto detail = [&](const std::string& q) {
    auto r = ace.get("/ace/getstream" + q);
    return std::make_pair(r.status, json_of(r)["detail"]);
  };
  CHECK(detail("?token=s3cret") ==
        std::make_pair(400L, json("one of 'id' or 'infohash' must have a value")));
  CHECK(detail("?token=s3cret&id=a&infohash=b") ==
        std::make_pair(400L, json("only one of 'id' or 'infohash' can have a value")));
  CHECK(detail("/?token=s3cret&id=a&pid=1") ==
        std::make_pair(400L, json("PID parameter is not allowed")));
  CHECK(ace.get("/ace/getstream?id=a").status == 401);
  CHECK(ace.get("/ace/getstream?id=a&token=wrong").status == 401);
  CHECK(ace.get("/ace/status?id=unknown&token=s3cret").status == 404);
  // One key's relay names its engine and session URLs: the token guards it like the stream.
  CHECK(ace.get("/ace/status?id=unknown").status == 401);
  CHECK(ace.get("/ace/status").status == 200);  // the counts stay open, as acexy's
  stream_reader r(stream_url(ace, "id=abcd0000&token=s3cret"));
  REQUIRE(r.wait_for_bytes(1000, 20s));
  CHECK(r.status() == 200);
}

TEST_CASE("relay: start failures answer 502, 504 and 503 before any byte") {
  SECTION("the engine answers with an error: 502") {
    sim_process sim({{"SIM_JSON_ERROR", "content not found"}});
    acepool_process ace(relay_env({&sim}));
    auto r = ace.get("/ace/getstream?id=1234");
    CHECK(r.status == 502);
    CHECK(json_of(r)["detail"] == "Failed to start stream: content not found");
  }
  SECTION("no first byte within STREAM_START_TIMEOUT_S: 504") {
    sim_process sim({{"SIM_PREBUFFER_MS", "5000"}});
    acepool_process ace(relay_env({&sim}, {{"STREAM_START_TIMEOUT_S", "1"}}));
    auto r = ace.get("/ace/getstream?id=1234");
    CHECK(r.status == 504);
    CHECK(json_of(r)["detail"].get<std::string>().find("STREAM_START_TIMEOUT_S") !=
          std::string::npos);
  }
  SECTION("no engine and provisioning blocked: 503 with Retry-After") {
    // Docker is unreachable: the first start times out and opens the breaker, which then
    // blocks provisioning.
    acepool_process ace(
        relay_env({}, {{"PROVISION_TIMEOUT_S", "1"}, {"CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1"}}));
    auto first = ace.get("/ace/getstream?id=1234");
    CHECK(json_of(first)["detail"]["error"] == "provisioning_failed");
    auto r = ace.get("/ace/getstream?id=1234");
    CHECK(r.status == 503);
    CHECK(json_of(r)["detail"]["code"] == "circuit_breaker");
    CHECK(r.header("Retry-After"));
  }
  SECTION("beyond MAX_CLIENTS: 503 too many clients") {
    sim_process sim;
    acepool_process ace(relay_env({&sim}, {{"MAX_CLIENTS", "1"}}));
    stream_reader first(stream_url(ace, "id=1234"));
    REQUIRE(first.wait_for_bytes(1000, 20s));
    auto r = ace.get("/ace/getstream?id=1234");
    CHECK(r.status == 503);
    CHECK(json_of(r)["detail"] == "too many clients");
  }
}

TEST_CASE("relay: RELAY_PORT serves only the relay routes") {
  sim_process sim;
  auto relay_port = free_port();
  acepool_process ace(
      relay_env({&sim}, {{"RELAY_PORT", std::to_string(relay_port)}, {"RELAY_BIND", "127.0.0.1"}}));
  auto base = "http://127.0.0.1:" + std::to_string(relay_port);
  REQUIRE(eventually([&] { return http_get(base + "/ace/status").status == 200; }, 10s));
  CHECK(http_get(base + "/engines").status == 404);
  stream_reader r(base + "/ace/getstream?id=5678");
  REQUIRE(r.wait_for_bytes(10000, 20s));
  CHECK(r.status() == 200);
}
