#include <catch2/catch.hpp>

#include <csignal>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/http_client.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"
#include "tests/sim/ts_mux.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::regex hex32("^[0-9a-f]{32}$");
const std::regex hex40("^[0-9a-f]{40}$");

/// Starts a session for `id` and opens its playback URL.
std::unique_ptr<stream_reader> play(sim_process& sim, const std::string& id,
                                    stream_reader::options o = {}) {
  auto session = sim.start_session(id);
  REQUIRE(session.is_object());
  return std::make_unique<stream_reader>(session["playback_url"].get<std::string>(), o);
}

double elapsed_s(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

TEST_CASE(
    "getstream with format=json answers the engine's envelope with URLs on the request's Host") {
  sim_process sim({{"SIM_JSON_DELAY_MS", "0"}});
  auto r = http_get(sim.url("/ace/getstream?id=abc&format=json"), {"Host: engine.example:1234"});
  REQUIRE(r.status == 200);
  auto j = json::parse(r.body);
  CHECK(j["error"].is_null());
  auto resp = j["response"];
  // infohash = SHA-1 of the content id ("abc" is the FIPS 180 test vector).
  const std::string infohash = "a9993e364706816aba3e25717850c26c9cd0d89d";
  CHECK(resp["infohash"] == infohash);
  auto playback = resp["playback_url"].get<std::string>();
  CHECK(playback.rfind("http://engine.example:1234/ace/r/" + infohash + "/", 0) == 0);
  auto token = playback.substr(playback.rfind('/') + 1);
  CHECK(std::regex_match(token, hex32));
  CHECK(resp["stat_url"] == "http://engine.example:1234/ace/stat/" + infohash + "/" + token);
  CHECK(resp["command_url"] == "http://engine.example:1234/ace/cmd/" + infohash + "/" + token);
  CHECK(std::regex_match(resp["playback_session_id"].get<std::string>(), hex40));
  CHECK(resp["is_live"] == 1);
  CHECK(resp["is_live"].is_number());
  CHECK(resp["is_encrypted"] == 0);
  CHECK(resp["client_session_id"] == -1);
  CHECK(resp["bitrate"] == 2000000);
}

TEST_CASE("every selector is accepted, infohash is lower-cased, each call gets a new token") {
  sim_process sim({{"SIM_JSON_DELAY_MS", "0"}});
  auto a = sim.get_json("/ace/getstream?content_id=abc&format=json")["response"];
  auto b = sim.get_json("/ace/getstream?id=abc&format=json")["response"];
  CHECK(a["infohash"] == b["infohash"]);
  CHECK(a["playback_url"] != b["playback_url"]);
  auto c = sim.get_json(
      "/ace/getstream?infohash=ABCDEF0123456789ABCDEF0123456789ABCDEF01&format=json")["response"];
  CHECK(c["infohash"] == "abcdef0123456789abcdef0123456789abcdef01");
  CHECK(sim.get_json("/ace/getstream?url=http%3A%2F%2Fx%2Fa.torrent&format=json")["response"]
            .is_object());
  CHECK(sim.get_json("/ace/getstream?magnet=magnet%3A%3Fxt%3Durn&format=json")["response"]
            .is_object());
  CHECK(sim.get_json("/ace/manifest.m3u8?id=abc&format=json")["response"].is_object());
}

TEST_CASE("getstream without a content id is an error, without format=json a redirect") {
  sim_process sim({{"SIM_JSON_DELAY_MS", "0"}});
  CHECK(sim.get_json("/ace/getstream?format=json") ==
        json{{"response", nullptr}, {"error", "missing content id"}});
  auto r = http_get(sim.url("/ace/getstream?id=abc"));
  CHECK(r.status == 302);
  CHECK_THAT(*r.header("Location"),
             Catch::StartsWith(sim.url("/ace/r/a9993e364706816aba3e25717850c26c9cd0d89d/")));
}

TEST_CASE(
    "playback is valid MPEG-TS: sync, continuity, PAT/PMT within 100 ms and PCR within 40 ms") {
  sim_process sim({{"SIM_PREBUFFER_MS", "100"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto reader = play(sim, "ts-validity");
  REQUIRE(reader->wait_for_bytes(2'000'000 / 8 * 3, 20s));  // 3 s of stream
  reader->stop();
  CHECK(reader->status() == 200);
  CHECK(reader->content_type() == "video/mp2t");
  auto r = reader->report();
  CHECK(r.packets > 3000);
  CHECK(r.sync_errors == 0);
  CHECK(r.cc_errors == 0);
  CHECK(r.pat >= 100);
  CHECK(r.pmt >= 100);
  CHECK(r.max_pat_gap_s <= 0.100);
  CHECK(r.max_pmt_gap_s <= 0.100);
  CHECK(r.max_pcr_gap_s <= 0.040);
  CHECK(r.pcr_span_s > 2.5);
  CHECK(r.first_pat_offset == 0u);  // a fresh session starts with PAT, PMT ...
  CHECK(r.first_index == 2u);       // ... then the first video packet, index 2
  CHECK(r.index_jumps == 0);
}

TEST_CASE(
    "ffprobe reads the live playback URL as H.264 in MPEG-TS and ffmpeg decodes it without "
    "errors") {
  sim_process sim({{"SIM_PREBUFFER_MS", "100"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto url = sim.start_session("ffprobe")["playback_url"].get<std::string>();
  auto probe =
      run_program("/usr/bin/ffprobe",
                  {"-v", "error", "-show_entries",
                   "stream=codec_name,width,height:format=format_name", "-of", "json", url},
                  {}, 60s);
  REQUIRE(probe.exit_code == 0);
  CHECK(probe.err.empty());
  auto j = json::parse(probe.out);
  CHECK(j["format"]["format_name"] == "mpegts");
  CHECK(j["streams"][0]["codec_name"] == "h264");
  CHECK(j["streams"][0]["width"] == 32);
  auto url2 = sim.start_session("ffmpeg-decode")["playback_url"].get<std::string>();
  auto decode = run_program("/usr/bin/ffmpeg",
                            {"-v", "error", "-t", "2", "-i", url2, "-f", "null", "-"}, {}, 60s);
  CHECK(decode.exit_code == 0);
  CHECK(decode.err.empty());
}

TEST_CASE("SIM_GOP: a keyframe every GOP frames, and the frames between decode after it") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}, {"SIM_GOP", "10"}});
  auto url = sim.start_session("gop")["playback_url"].get<std::string>();
  auto frames = run_program("/usr/bin/ffprobe",
                            {"-v", "error", "-select_streams", "v", "-read_intervals", "%+3",
                             "-show_entries", "frame=key_frame,pict_type", "-of", "json", url},
                            {}, 60s);
  REQUIRE(frames.exit_code == 0);
  CHECK(frames.err.empty());
  auto list = json::parse(frames.out)["frames"];
  REQUIRE(list.size() >= 50);
  int keys = 0;
  for (const auto& f : list) {
    keys += f["key_frame"].get<int>();
    CHECK(f["pict_type"] == "I");  // every frame is intra-coded; only every tenth is a keyframe
  }
  CHECK(keys >= static_cast<int>(list.size()) / 10 - 1);
  CHECK(keys <= static_cast<int>(list.size()) / 10 + 2);
  auto url2 = sim.start_session("gop-decode")["playback_url"].get<std::string>();
  auto decode = run_program("/usr/bin/ffmpeg",
                            {"-v", "error", "-t", "2", "-i", url2, "-f", "null", "-"}, {}, 60s);
  CHECK(decode.exit_code == 0);
  CHECK(decode.err.empty());
}

TEST_CASE("playback is paced at SIM_BITRATE, counted over more than 10 s") {
  const double bitrate = 4e6;
  sim_process sim(
      {{"SIM_BITRATE", "4000000"}, {"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto reader = play(sim, "pacing");
  REQUIRE(reader->wait_for_bytes(1, 10s));
  auto start_bytes = reader->bytes();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(11s);  // the measurement window itself, not synchronisation
  double rate = static_cast<double>(reader->bytes() - start_bytes) * 8 / elapsed_s(t0);
  reader->stop();
  CHECK(rate >= 0.8 * bitrate);
  CHECK(rate <= 1.25 * bitrate);
  // The stream's own clock agrees: PCR span over the whole read matches the bytes at the bitrate.
  auto r = reader->report();
  CHECK(r.pcr_span_s == Approx(static_cast<double>(r.packets) * 188 * 8 / bitrate).margin(0.1));
}

TEST_CASE("payload bytes are deterministic per content and packet index") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}});
  stream_reader::options keep;
  keep.keep_bytes = 188 * 500;
  auto first = play(sim, "determinism", keep);
  REQUIRE(first->wait_for_bytes(188 * 500, 20s));
  first->stop();
  auto infohash = sim.start_session("determinism")["infohash"].get<std::string>();
  auto schedule = *acepool::sim::ts_schedule::for_bitrate(2e6);
  auto bytes = first->kept();
  for (uint64_t i = 0; i < 500; ++i) {
    uint8_t expected[188];
    acepool::sim::make_packet(schedule, acepool::sim::seed_of(infohash.c_str()), i, expected);
    INFO("packet " << i);
    REQUIRE(std::memcmp(bytes.data() + i * 188, expected, 188) == 0);
  }
  // Video and null packets carry their index.
  CHECK(index_of_packet(reinterpret_cast<const uint8_t*>(bytes.data() + 2 * 188)) == 2u);
}

TEST_CASE("a second reader of a running session joins at the live position") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto session = sim.start_session("join");
  auto url = session["playback_url"].get<std::string>();
  stream_reader first(url);
  REQUIRE(first.wait_for_bytes(2'000'000 / 8, 20s));  // about 1 s in
  stream_reader second(url);
  REQUIRE(second.wait_for_bytes(188 * 100, 20s));
  second.stop();
  first.stop();
  auto r = second.report();
  REQUIRE(r.first_index);
  CHECK(*r.first_index >= 600);  // not from the start
  CHECK(r.index_jumps == 0);
}

TEST_CASE("the command URL stops the session: playback ends and stat reports an unknown session") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto s = sim.start_session("stop-me");
  stream_reader reader(s["playback_url"].get<std::string>());
  REQUIRE(reader.wait_for_bytes(10000, 20s));
  CHECK(http_get(s["stat_url"].get<std::string>()).body.find("\"status\":\"dl\"") !=
        std::string::npos);
  auto stopped = json::parse(http_get(s["command_url"].get<std::string>() + "?method=stop").body);
  CHECK(stopped == json{{"response", "ok"}, {"error", nullptr}});
  CHECK(reader.wait_finished(10s));
  auto stat = json::parse(http_get(s["stat_url"].get<std::string>()).body);
  CHECK(stat == json{{"response", nullptr}, {"error", "unknown playback session id"}});
  CHECK(http_get(s["playback_url"].get<std::string>()).status == 404);
  auto stats = sim.stats();
  CHECK(stats["stops"] == 1);
  CHECK(stats["sessions_active"] == 0);
}

TEST_CASE("unknown tokens: stat and command say unknown playback session id, playback is 404") {
  sim_process sim;
  auto unknown = json{{"response", nullptr}, {"error", "unknown playback session id"}};
  auto bogus =
      "/ace/stat/a9993e364706816aba3e25717850c26c9cd0d89d/00000000000000000000000000000000";
  CHECK(sim.get_json(bogus) == unknown);
  CHECK(sim.get_json("/ace/cmd/x/00000000000000000000000000000000?method=stop") == unknown);
  CHECK(http_get(sim.url("/ace/r/x/00000000000000000000000000000000")).status == 404);
  // A known session with an unknown command method is reported the same way.
  auto s = sim.start_session("known");
  CHECK(json::parse(http_get(s["command_url"].get<std::string>() + "?method=pause").body) ==
        unknown);
}

TEST_CASE("stat reports the session's status, peers, speeds and live position") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}, {"SIM_PEERS", "42"}});
  auto s = sim.start_session("stats");
  auto before = json::parse(http_get(s["stat_url"].get<std::string>()).body)["response"];
  CHECK(before["status"] == "prebuf");
  stream_reader reader(s["playback_url"].get<std::string>());
  REQUIRE(reader.wait_for_bytes(50000, 20s));
  auto r = json::parse(http_get(s["stat_url"].get<std::string>()).body)["response"];
  CHECK(r["status"] == "dl");
  CHECK(r["peers"] == 42);
  CHECK(r["speed_down"].is_number());
  CHECK(r["downloaded"].get<uint64_t>() > 0);
  CHECK(r["playback_session_id"] == s["playback_session_id"]);
  CHECK(r["is_live"] == 1);
  CHECK(r["livepos"]["is_live"] == "1");
  CHECK(std::stoll(r["livepos"]["last_ts"].get<std::string>()) -
            std::stoll(r["livepos"]["first_ts"].get<std::string>()) ==
        1800);
}

TEST_CASE("the status APIs answer like the engine") {
  sim_process sim;
  auto status = sim.get_json("/server/api?api_version=3&method=get_status");
  CHECK(status["error"].is_null());
  CHECK(status["result"]["version"]["code"] == 3017000);
  CHECK(status["result"]["playlist_loaded"] == true);
  CHECK(sim.get_json("/server/api?api_version=3&method=get_network_connection_status") ==
        json{{"result", {{"connected", true}}}, {"error", nullptr}});
  CHECK(sim.get_json("/webui/api/service?method=get_version")["result"]["version"] == "3.1.70");
}

TEST_CASE("/sim/stats counts sessions, playback connections, bytes and stops") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto s1 = sim.start_session("one");
  sim.start_session("two");
  stream_reader reader(s1["playback_url"].get<std::string>());
  REQUIRE(reader.wait_for_bytes(20000, 20s));
  auto st = sim.stats();
  CHECK(st["sessions_started"] == 2);
  CHECK(st["sessions_active"] == 2);
  CHECK(st["playback_connections"] == 1);
  CHECK(st["bytes_sent"].get<uint64_t>() >= 20000);
  CHECK(st["stops"] == 0);
  reader.stop();
  CHECK(eventually([&] { return sim.stats()["playback_connections"] == 0; }));
}

TEST_CASE("a session without readers ends by itself after SIM_SESSION_IDLE_S") {
  sim_process sim({{"SIM_SESSION_IDLE_S", "1"}, {"SIM_JSON_DELAY_MS", "0"}});
  auto s = sim.start_session("idle");
  CHECK(sim.stats()["sessions_active"] == 1);
  CHECK(eventually([&] { return sim.stats()["sessions_active"] == 0; }, 15s));
  CHECK(json::parse(http_get(s["stat_url"].get<std::string>()).body)["error"] ==
        "unknown playback session id");
}

TEST_CASE("the engine port comes from --http-port, HTTP_PORT or a CONF line") {
  auto p1 = free_port();
  sim_process from_env({{"HTTP_PORT", std::to_string(p1)}}, "engine", 0);
  // --http-port=0 was given too: the flag wins over the environment.
  CHECK(from_env.port() != 0);
  auto p2 = free_port();
  child_process conf(sim_binary(), {"engine"},
                     {{"CONF", "--http-port=" + std::to_string(p2) + "\n--bind-all"}});
  CHECK(eventually([&] {
    return http_get("http://127.0.0.1:" + std::to_string(p2) + "/sim/stats").status == 200;
  }));
  auto p3 = free_port();
  child_process env_only(sim_binary(), {"engine"},
                         {{"HTTP_PORT", std::to_string(p3)}, {"CONF", ""}});
  CHECK(eventually([&] {
    return http_get("http://127.0.0.1:" + std::to_string(p3) + "/sim/stats").status == 200;
  }));
}

TEST_CASE("SIGTERM ends the simulator at once with exit code 0") {
  sim_process sim({{"SIM_PREBUFFER_MS", "0"}, {"SIM_JSON_DELAY_MS", "0"}});
  stream_reader reader(sim.start_session("term")["playback_url"].get<std::string>());
  REQUIRE(reader.wait_for_bytes(10000, 20s));
  sim.process().signal(SIGTERM);
  CHECK(sim.process().wait(5s) == 0);
}
