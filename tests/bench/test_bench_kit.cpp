#include <catch2/catch.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/relay_test_env.hpp"
#include "tests/common/sim_process.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

uint16_t port_of(child_process& p) {
  uint16_t port = 0;
  REQUIRE(eventually([&] {
    auto out = p.stdout_text();
    auto pos = out.find("port ");
    if (pos == std::string::npos || out.find('\n', pos) == std::string::npos) return false;
    port = static_cast<uint16_t>(std::stoi(out.substr(pos + 5)));
    return true;
  }));
  return port;
}

}  // namespace

TEST_CASE("the load client reads valid TS from every connection of the fan-out baseline") {
  child_process baseline(ACEPOOL_BASELINE_BINARY, {"--mode=stream", "--bitrate=4000000"}, {});
  auto port = port_of(baseline);
  auto r = run_program(ACEPOOL_LOAD_BINARY,
                       {"--url=http://127.0.0.1:" + std::to_string(port) + "/s", "--connections=20",
                        "--duration=3", "--check-ts"},
                       {}, 30s);
  REQUIRE(r.exit_code == 0);
  auto j = json::parse(r.out);
  CHECK(j["statuses"] == json{{"200", 20}});
  CHECK(j["with_data"] == 20);
  CHECK(j["sync_errors"] == 0);
  CHECK(j["failed"] == 0);
  // 3 s at 4 Mbit/s is 1.5 MB per client; the floor is generous (the machine is shared).
  CHECK(j["bytes"].get<double>() > 20 * 0.5 * 1.5e6);
  baseline.signal(SIGTERM);
  CHECK(baseline.wait(5s) == 0);
}

TEST_CASE("the load client counts sync errors when the body is not TS") {
  child_process baseline(ACEPOOL_BASELINE_BINARY, {"--mode=fixed"}, {});
  auto port = port_of(baseline);
  auto r = run_program(ACEPOOL_LOAD_BINARY,
                       {"--url=http://127.0.0.1:" + std::to_string(port) + "/x", "--connections=3",
                        "--duration=1", "--check-ts"},
                       {}, 30s);
  REQUIRE(r.exit_code == 0);
  auto j = json::parse(r.out);
  CHECK(j["statuses"] == json{{"200", 3}});
  CHECK(j["sync_errors"] == 3);  // '{' where 0x47 belongs, once per connection
}

TEST_CASE("the fixed-response baseline answers HTTP requests with keep-alive") {
  child_process baseline(ACEPOOL_BASELINE_BINARY, {"--mode=fixed"}, {});
  auto port = port_of(baseline);
  std::vector<http_request> reqs(50);
  for (auto& r : reqs)
    r.url = "http://127.0.0.1:" + std::to_string(port) + "/health";
  auto replies = http_call_many(reqs, 5);
  for (const auto& r : replies) {
    CHECK(r.status == 200);
    CHECK(r.body == R"({"status":"ok"})");
  }
}

TEST_CASE("the load client rejects bad arguments") {
  CHECK(run_program(ACEPOOL_LOAD_BINARY, {"--url=ftp://x"}, {}).exit_code == 2);
  CHECK(run_program(ACEPOOL_LOAD_BINARY, {"--url=http://127.0.0.1:1/", "--connections=0"}, {})
            .exit_code == 2);
  CHECK(run_program(ACEPOOL_LOAD_BINARY, {"--bogus"}, {}).exit_code == 2);
}

TEST_CASE("the HLS load client joins acepool's live playlist and fetches whole TS segments") {
  sim_process sim({{"SIM_BITRATE", "2000000"}, {"SIM_GOP", "1"}});
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}}));
  auto r = run_program(ACEPOOL_HLS_LOAD_BINARY,
                       {"--url=" + ace.url("/ace/manifest.m3u8?id=bench-kit-hls"), "--viewers=5",
                        "--duration=6", "--poll=1"},
                       {}, 60s);
  REQUIRE(r.exit_code == 0);
  auto j = json::parse(r.out);
  INFO(r.out);
  CHECK(j["joined"] == 5);
  CHECK(j["failures"] == 0);
  CHECK(j["sync_errors"] == 0);
  CHECK(j["statuses"]["segment 200"].get<int>() >= 5);
  CHECK(j["statuses"].count("segment 404") == 0);
  // Every viewer polls about once a second after joining; 5 viewers over 6 s ask >= 10 times.
  CHECK(j["playlists"].get<int>() >= 10);
  // 1 s segments at 2 Mbit/s are about 250 KB each.
  CHECK(j["segment_bytes"].get<double>() >= 5 * 100e3);
  CHECK(j["join_ms"]["max"].get<double>() > 0);
}

TEST_CASE("the HLS load client rejects bad arguments") {
  CHECK(run_program(ACEPOOL_HLS_LOAD_BINARY, {"--url=ftp://127.0.0.1:1/p"}, {}).exit_code == 2);
  CHECK(run_program(ACEPOOL_HLS_LOAD_BINARY, {"--url=http://127.0.0.1:70000/p"}, {}).exit_code ==
        2);
  CHECK(run_program(ACEPOOL_HLS_LOAD_BINARY, {"--url=http://127.0.0.1:1/p", "--poll=0"}, {})
            .exit_code == 2);
  CHECK(run_program(ACEPOOL_HLS_LOAD_BINARY, {"--viewers=x"}, {}).exit_code == 2);
}
