#include <catch2/catch.hpp>

#include <curl/curl.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/http_client.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::map<std::string, std::string> fast{{"SIM_PREBUFFER_MS", "0"},
                                              {"SIM_JSON_DELAY_MS", "0"}};

std::map<std::string, std::string> fast_with(std::map<std::string, std::string> extra) {
  auto env = fast;
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

std::string playback_of(sim_process& sim, const std::string& id) {
  return sim.start_session(id)["playback_url"].get<std::string>();
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

/// Asserts that a request does not get an answer within `wait` (the simulator hangs on purpose).
void check_hangs(const std::string& url) {
  http_request r;
  r.url = url;
  r.timeout = 1500ms;
  auto reply = http_call(r);
  CHECK(reply.status == 0);
  CHECK_THAT(reply.error, Catch::Contains("imed out"));
}

}  // namespace

TEST_CASE("SIM_PREBUFFER_MS delays the first byte, at start and at run time") {
  SECTION("at start") {
    sim_process sim({{"SIM_PREBUFFER_MS", "1500"}, {"SIM_JSON_DELAY_MS", "0"}});
    stream_reader reader(playback_of(sim, "pre"));
    REQUIRE(reader.wait_for_bytes(1, 20s));
    CHECK(*reader.first_byte_s() >= 1.4);
  }
  SECTION("at run time") {
    sim_process sim(fast);
    sim.control({{"SIM_PREBUFFER_MS", 1500}});
    stream_reader reader(playback_of(sim, "pre"));
    REQUIRE(reader.wait_for_bytes(1, 20s));
    CHECK(*reader.first_byte_s() >= 1.4);
  }
}

TEST_CASE("SIM_JSON_DELAY_MS delays the getstream answer, at start and at run time") {
  auto timed = [](sim_process& sim) {
    auto t0 = std::chrono::steady_clock::now();
    CHECK(sim.start_session("slow").is_object());
    return seconds_since(t0);
  };
  sim_process at_start({{"SIM_JSON_DELAY_MS", "800"}});
  CHECK(timed(at_start) >= 0.75);
  sim_process at_run(fast);
  CHECK(timed(at_run) < 0.75);
  at_run.control({{"SIM_JSON_DELAY_MS", 800}});
  CHECK(timed(at_run) >= 0.75);
}

TEST_CASE("SIM_STARTUP_DELAY_MS refuses connections until the engine has started") {
  auto port = free_port();
  child_process p(sim_binary(), {"engine", "--http-port=" + std::to_string(port)},
                  {{"SIM_STARTUP_DELAY_MS", "1500"}});
  auto url =
      "http://127.0.0.1:" + std::to_string(port) + "/server/api?api_version=3&method=get_status";
  auto early = http_get(url);
  CHECK(early.status == 0);
  CHECK_THAT(early.error, Catch::Contains("onnect"));
  CHECK(eventually([&] { return http_get(url).status == 200; }, 15s));
}

TEST_CASE("SIM_JSON_ERROR makes getstream fail with that text, at start and at run time") {
  sim_process sim(fast_with({{"SIM_JSON_ERROR", "engine overloaded"}}));
  CHECK(sim.get_json("/ace/getstream?id=x&format=json") ==
        json{{"response", nullptr}, {"error", "engine overloaded"}});
  sim.control({{"SIM_JSON_ERROR", "no peers"}});
  CHECK(sim.get_json("/ace/getstream?id=x&format=json")["error"] == "no peers");
  sim.control({{"SIM_JSON_ERROR", nullptr}});
  CHECK(sim.get_json("/ace/getstream?id=x&format=json")["error"].is_null());
}

TEST_CASE("SIM_HANG makes getstream, playback or status accept and never answer") {
  SECTION("getstream at start") {
    sim_process sim(fast_with({{"SIM_HANG", "getstream"}}));
    check_hangs(sim.url("/ace/getstream?id=x&format=json"));
    CHECK(sim.stats().is_object());  // everything else still answers
  }
  SECTION("playback at run time") {
    sim_process sim(fast);
    auto url = playback_of(sim, "hang");
    sim.control({{"SIM_HANG", "playback"}});
    check_hangs(url);
  }
  SECTION("status at run time") {
    sim_process sim(fast);
    sim.control({{"SIM_HANG", "status"}});
    check_hangs(sim.url("/server/api?api_version=3&method=get_status"));
    sim.control({{"SIM_HANG", ""}});
    CHECK(http_get(sim.url("/server/api?api_version=3&method=get_status")).status == 200);
  }
}

TEST_CASE("SIM_STALL_AFTER_S stops the bytes but keeps the connection open") {
  auto check_stalled = [](stream_reader& reader) {
    REQUIRE(reader.wait_for_bytes(1, 20s));
    // Once no byte arrived for a whole second the stream has stalled ...
    uint64_t last = 0;
    REQUIRE(eventually(
        [&] {
          auto now = reader.bytes();
          bool same = now == last;
          last = now;
          if (!same) std::this_thread::sleep_for(1s);
          return same;
        },
        20s));
    // ... and stays stalled and open.
    std::this_thread::sleep_for(1500ms);
    CHECK(reader.bytes() == last);
    CHECK_FALSE(reader.finished());
  };
  SECTION("at start") {
    sim_process sim(fast_with({{"SIM_STALL_AFTER_S", "1"}}));
    stream_reader reader(playback_of(sim, "stall"));
    check_stalled(reader);
  }
  SECTION("at run time on a running stream") {
    sim_process sim(fast);
    stream_reader reader(playback_of(sim, "stall"));
    REQUIRE(reader.wait_for_bytes(50000, 20s));
    sim.control({{"SIM_STALL_AFTER_S", 0}});
    check_stalled(reader);
  }
}

TEST_CASE("SIM_EOF_AFTER_S ends the stream cleanly") {
  SECTION("at start") {
    sim_process sim(fast_with({{"SIM_EOF_AFTER_S", "1"}}));
    stream_reader reader(playback_of(sim, "eof"));
    REQUIRE(reader.wait_finished(20s));
    CHECK(reader.curl_code() == CURLE_OK);  // the terminating chunk arrived
    CHECK(reader.bytes() > 0);
  }
  SECTION("at run time on a running stream") {
    sim_process sim(fast);
    stream_reader reader(playback_of(sim, "eof"));
    REQUIRE(reader.wait_for_bytes(50000, 20s));
    sim.control({{"SIM_EOF_AFTER_S", 0}});
    REQUIRE(reader.wait_finished(20s));
    CHECK(reader.curl_code() == CURLE_OK);
    CHECK(reader.report().sync_errors == 0);
  }
}

TEST_CASE("SIM_RESET_AFTER_S aborts the TCP connection") {
  SECTION("at start") {
    sim_process sim(fast_with({{"SIM_RESET_AFTER_S", "1"}}));
    stream_reader reader(playback_of(sim, "reset"));
    REQUIRE(reader.wait_finished(20s));
    CHECK(reader.curl_code() != CURLE_OK);
    CHECK(reader.bytes() > 0);
  }
  SECTION("at run time on a running stream") {
    sim_process sim(fast);
    stream_reader reader(playback_of(sim, "reset"));
    REQUIRE(reader.wait_for_bytes(50000, 20s));
    sim.control({{"SIM_RESET_AFTER_S", 0}});
    REQUIRE(reader.wait_finished(20s));
    CHECK(reader.curl_code() != CURLE_OK);
  }
}

TEST_CASE("SIM_UNHEALTHY makes the status API answer 500, at start and at run time") {
  sim_process sim(fast_with({{"SIM_UNHEALTHY", "1"}}));
  auto url = sim.url("/server/api?api_version=3&method=get_status");
  CHECK(http_get(url).status == 500);
  sim.control({{"SIM_UNHEALTHY", false}});
  CHECK(http_get(url).status == 200);
  sim.control({{"SIM_UNHEALTHY", true}});
  CHECK(http_get(url).status == 500);
}

TEST_CASE("SIM_PEERS sets the peers reported by stat and status, at start and at run time") {
  sim_process sim(fast_with({{"SIM_PEERS", "13"}}));
  auto s = sim.start_session("peers");
  auto stat_path = s["stat_url"].get<std::string>();
  CHECK(json::parse(http_get(stat_path).body)["response"]["peers"] == 13);
  sim.control({{"SIM_PEERS", 99}});
  CHECK(json::parse(http_get(stat_path).body)["response"]["peers"] == 99);
  CHECK(sim.get_json("/server/api?api_version=3&method=get_status")["result"]["peers"] == 99);
}

TEST_CASE("SIM_BITRATE changes the pace of a running stream, counted over more than 10 s") {
  sim_process sim(fast_with({{"SIM_BITRATE", "8000000"}}));
  stream_reader reader(playback_of(sim, "rate"));
  REQUIRE(reader.wait_for_bytes(8'000'000 / 8, 20s));  // flowing at 8 Mbit/s
  sim.control({{"SIM_BITRATE", 1000000}});
  auto start = reader.bytes();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(11s);  // the measurement window
  double rate = static_cast<double>(reader.bytes() - start) * 8 / seconds_since(t0);
  reader.stop();
  CHECK(rate >= 0.8e6);
  CHECK(rate <= 1.25e6);
}

TEST_CASE("SIM_BITRATE=0 sends as fast as the connection takes") {
  sim_process sim(fast_with({{"SIM_BITRATE", "0"}}));
  stream_reader reader(playback_of(sim, "unpaced"));
  // 20 MB is 80 s at the nominal 2 Mbit/s: only an unpaced stream delivers it in the deadline.
  CHECK(reader.wait_for_bytes(20'000'000, 30s));
  reader.stop();
  CHECK(reader.report().sync_errors == 0);
  CHECK(reader.report().cc_errors == 0);
}

TEST_CASE("bad knob values are rejected with 400 and leave the knobs unchanged") {
  sim_process sim(fast);
  for (const auto& bad :
       {json{{"SIM_BITRATE", 5}}, json{{"SIM_HANG", "everything"}}, json{{"SIM_NOPE", 1}},
        json{{"SIM_PEERS", "many"}}, json{{"SIM_GOP", 0}}, json{{"SIM_GOP", 1.5}}}) {
    http_request r;
    r.method = "PUT";
    r.url = sim.url("/sim/control");
    r.body = bad.dump();
    CHECK(http_call(r).status == 400);
  }
  CHECK(sim.stats()["knobs"]["SIM_BITRATE"] == 2e6);
  child_process broken(sim_binary(), {"engine", "--http-port=0"}, {{"SIM_BITRATE", "fast"}});
  CHECK(broken.wait(10s) == 2);
}
