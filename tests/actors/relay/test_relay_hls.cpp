// HLS from the relay against simulator processes on loopback, through the acepool binary and
// real clients (libcurl, ffmpeg): playlists, segments that start where players decode, one
// engine session shared with MPEG-TS clients, viewers coming and going, failover.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
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

/// One entry of a playlist: its EXTINF duration, whether a discontinuity precedes it, its URI.
struct playlist_entry {
  double duration = 0;
  bool discontinuity = false;
  std::string uri;
};

struct playlist {
  long media_sequence = -1;
  int target = 0;
  std::vector<playlist_entry> entries;
};

playlist parse_playlist(const std::string& text) {
  playlist out;
  std::istringstream lines(text);
  std::string line;
  playlist_entry next;
  while (std::getline(lines, line)) {
    if (line.rfind("#EXT-X-MEDIA-SEQUENCE:", 0) == 0)
      out.media_sequence = std::stol(line.substr(22));
    if (line.rfind("#EXT-X-TARGETDURATION:", 0) == 0) out.target = std::stoi(line.substr(22));
    if (line == "#EXT-X-DISCONTINUITY") next.discontinuity = true;
    if (line.rfind("#EXTINF:", 0) == 0) next.duration = std::stod(line.substr(8));
    if (!line.empty() && line[0] != '#') {
      next.uri = line;
      out.entries.push_back(next);
      next = {};
    }
  }
  return out;
}

http_reply get_playlist(const acepool_process& ace, const std::string& query) {
  return http_get(ace.url("/ace/manifest.m3u8?" + query));
}

/// The playlist once it lists at least `n` segments (asked every 250 ms).
playlist playlist_with(const acepool_process& ace, const std::string& query, size_t n) {
  playlist p;
  eventually(
      [&] {
        auto r = get_playlist(ace, query);
        p = r.status == 200 ? parse_playlist(r.body) : playlist{};
        return p.entries.size() >= n;
      },
      30s);
  return p;
}

int pid_at(const std::string& b, size_t packet) {
  auto* p = reinterpret_cast<const unsigned char*>(b.data()) + packet * 188;
  return ((p[1] & 0x1F) << 8) | p[2];
}

bool random_access_at(const std::string& b, size_t packet) {
  auto* p = reinterpret_cast<const unsigned char*>(b.data()) + packet * 188;
  return (p[1] & 0x40) && (p[3] & 0x20) && p[4] > 0 && (p[5] & 0x40);
}

}  // namespace

TEST_CASE("relay hls: the playlist lists segments that start with PAT, PMT and a keyframe") {
  sim_process sim({{"SIM_GOP", "25"}});  // a keyframe every 0.5 s, the frames between unmarked
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}, {"HLS_WINDOW", "4"}}));
  auto first = get_playlist(ace, "id=aaaa1111");
  REQUIRE(first.status == 200);
  CHECK(first.header("Content-Type") == "application/vnd.apple.mpegurl");
  CHECK(first.header("Cache-Control") == "no-cache");
  CHECK(first.body.rfind("#EXTM3U\n#EXT-X-VERSION:3\n", 0) == 0);
  auto p = playlist_with(ace, "id=aaaa1111", 4);
  REQUIRE(p.entries.size() == 4);  // HLS_WINDOW
  CHECK(p.target == 1);
  // Numbered from the wall clock in milliseconds (so a later relay of the key continues above).
  CHECK(p.media_sequence > 1'700'000'000'000);
  for (size_t i = 0; i < p.entries.size(); ++i) {
    const auto& e = p.entries[i];
    INFO(e.uri);
    CHECK_THAT(e.uri, Catch::StartsWith("segment.ts?id=aaaa1111&v="));
    CHECK_THAT(e.uri, Catch::EndsWith("&seq=" + std::to_string(p.media_sequence + i)));
    CHECK(e.duration == Approx(1.0).epsilon(0.5));
    CHECK_FALSE(e.discontinuity);
    auto seg = http_get(ace.url("/ace/" + e.uri));
    REQUIRE(seg.status == 200);
    CHECK(seg.header("Content-Type") == "video/MP2T");
    REQUIRE(seg.body.size() % 188 == 0);
    REQUIRE(seg.body.size() > 3 * 188);
    CHECK(pid_at(seg.body, 0) == 0);       // PAT
    CHECK(pid_at(seg.body, 1) == 0x1000);  // the simulator's PMT
    CHECK(random_access_at(seg.body, 2));  // a keyframe
  }
}

TEST_CASE("relay hls: ffmpeg reads 20 s of the playlist without a decode error") {
  sim_process sim({{"SIM_GOP", "50"}});  // a keyframe a second: segments of 2 s hold two
  acepool_process ace(relay_env({&sim}));
  temp_dir dir;
  auto out = dir.path() + "/copy.ts";
  auto r = run_program("/usr/bin/ffmpeg",
                       {"-nostdin", "-v", "error", "-i", ace.url("/ace/manifest.m3u8?id=bbbb2222"),
                        "-t", "20", "-c", "copy", "-f", "mpegts", "-y", out},
                       {}, 90s);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  auto probe = run_program(
      "/usr/bin/ffprobe",
      {"-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of", "json", out}, {},
      30s);
  auto info = json::parse(probe.out, nullptr, false);
  REQUIRE(info.is_object());
  CHECK(info["streams"][0]["codec_name"] == "h264");
  CHECK(std::stod(info["format"]["duration"].get<std::string>()) >= 19.0);
  // A full decode of what was read: no error from the decoder.
  auto decode = run_program("/usr/bin/ffmpeg",
                            {"-nostdin", "-v", "error", "-i", out, "-f", "null", "-"}, {}, 60s);
  CHECK(decode.exit_code == 0);
  CHECK(decode.err.empty());
}

TEST_CASE("relay hls: HLS and MPEG-TS viewers of one key share one engine session") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}}));
  stream_reader ts(ace.url("/ace/getstream?id=cccc3333"));
  REQUIRE(ts.wait_for_bytes(10000, 20s));
  auto p = playlist_with(ace, "id=cccc3333", 2);
  REQUIRE(p.entries.size() >= 2);
  CHECK(http_get(ace.url("/ace/" + p.entries.back().uri)).status == 200);
  REQUIRE(eventually([&] { return relay_status(ace, "?id=cccc3333")["clients"] == 2; }, 5s));
  auto status = relay_status(ace, "?id=cccc3333");
  CHECK(status["hls_viewers"] == 1);
  CHECK(status["hls_segments"] >= 2);
  CHECK(relay_status(ace)["clients"] == 2);  // across streams, HLS viewers included
  CHECK(sessions_started(sim) == 1);
  CHECK(ts.report().sync_errors == 0);
}

TEST_CASE("relay hls: 100 HLS and 100 MPEG-TS viewers of one key share one engine session") {
  sim_process sim({{"SIM_GOP", "25"}, {"SIM_PREBUFFER_MS", "200"}});
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}}));
  // The MPEG-TS viewers read for 8 s meanwhile, on a thread of their own.
  std::vector<http_request> ts(100);
  for (auto& r : ts) {
    r.url = ace.url("/ace/getstream?id=abcd0100");
    r.timeout = 8s;
  }
  std::vector<http_reply> ts_replies;
  std::thread ts_viewers([&] { ts_replies = http_call_many(ts, 100); });
  // 100 HLS viewers (each its own v, as 100 players would get), all asking at once.
  std::vector<http_request> hls(100);
  for (size_t i = 0; i < hls.size(); ++i)
    hls[i].url = ace.url("/ace/manifest.m3u8?id=abcd0100&v=" + std::to_string(1000 + i));
  int playlists = 0;
  std::string segment_uri;
  for (const auto& r : http_call_many(hls, 100)) {
    playlists += r.status == 200 ? 1 : 0;
    if (r.status == 200 && segment_uri.empty())
      segment_uri = parse_playlist(r.body).entries.at(0).uri;
  }
  CHECK(playlists == 100);
  REQUIRE_FALSE(segment_uri.empty());
  // Every HLS viewer fetches a segment: one shared copy, 100 answers.
  std::vector<http_request> segments(100);
  for (size_t i = 0; i < segments.size(); ++i) {
    auto uri = segment_uri;
    auto v = uri.find("&v=");
    uri.replace(v, uri.find('&', v + 1) - v, "&v=" + std::to_string(1000 + i));
    segments[i].url = ace.url("/ace/" + uri);
  }
  int segments_ok = 0;
  for (const auto& r : http_call_many(segments, 100))
    segments_ok += r.status == 200 && r.body.size() > 3 * 188 ? 1 : 0;
  CHECK(segments_ok == 100);
  CHECK(eventually([&] { return relay_status(ace, "?id=abcd0100")["clients"] == 200; }, 5s));
  CHECK(relay_status(ace, "?id=abcd0100")["hls_viewers"] == 100);
  ts_viewers.join();
  int ts_ok = 0;
  for (const auto& r : ts_replies)
    ts_ok += r.status_seen == 200 && r.body.size() > 100000 ? 1 : 0;
  CHECK(ts_ok == 100);
  CHECK(sessions_started(sim) == 1);
}

TEST_CASE("relay hls: a stream slower to start than 3 targets still answers its first viewer") {
  sim_process sim({{"SIM_PREBUFFER_MS", "5000"}});  // the first byte after 5 s
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}}));
  auto r = http_get(ace.url("/ace/manifest.m3u8?id=slow0001"));
  CHECK(r.status == 200);
  CHECK_FALSE(parse_playlist(r.body).entries.empty());
  CHECK(sessions_started(sim) == 1);
}

TEST_CASE("relay hls: segment requests count no new viewer, and no stream starts over the cap") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}, {"MAX_CLIENTS", "2"}}));
  auto p = playlist_with(ace, "id=capp0001", 1);
  REQUIRE_FALSE(p.entries.empty());
  // Made-up viewers asking for segments, found or not, are served but not counted.
  for (const char* v : {"a1", "a2", "a3"}) {
    CHECK(ace.get("/ace/segment.ts?id=capp0001&v=" + std::string(v) + "&seq=1").status == 404);
    auto uri = p.entries[0].uri;
    auto at = uri.find("&v=");
    uri.replace(at, uri.find('&', at + 1) - at, "&v=" + std::string(v));
    CHECK(http_get(ace.url("/ace/" + uri)).status == 200);
  }
  REQUIRE(eventually([&] { return relay_status(ace, "?id=capp0001")["hls_viewers"] == 1; }, 5s));
  stream_reader ts(ace.url("/ace/getstream?id=capp0001"));  // the second client: at the cap
  REQUIRE(ts.wait_for_bytes(1000, 20s));
  REQUIRE(eventually([&] { return relay_status(ace)["clients"] == 2; }, 5s));
  // A new key's playlist over the cap is refused before any engine session opens.
  auto over = ace.get("/ace/manifest.m3u8?id=capp0002");
  CHECK(over.status == 503);
  CHECK(sessions_started(sim) == 1);
}

TEST_CASE("relay hls: new viewers of several streams at once never exceed MAX_CLIENTS") {
  sim_process sim;
  acepool_process ace(relay_env(
      {&sim}, {{"HLS_SEGMENT_S", "1"}, {"MAX_CLIENTS", "3"}, {"MAX_STREAMS_PER_ENGINE", "2"}}));
  REQUIRE_FALSE(playlist_with(ace, "id=cafe0001&v=a1", 1).entries.empty());
  // 8 new viewers of two streams within one relay tick: two places are left.
  std::vector<http_request> asks;
  for (const char* q : {"cafe0001&v=a2", "cafe0002&v=b1", "cafe0001&v=a3", "cafe0002&v=b2",
                        "cafe0001&v=a4", "cafe0002&v=b3", "cafe0001&v=a5", "cafe0002&v=b4"})
    asks.push_back({"GET", ace.url("/ace/manifest.m3u8?id=" + std::string(q)), {}, {}, 30s});
  std::map<long, int> statuses;
  std::string answers;
  for (const auto& r : http_call_many(asks, asks.size())) {
    answers += std::to_string(r.status) + " " + r.body.substr(0, 80) + "\n";
    ++statuses[r.status];
  }
  INFO(answers);
  CHECK(statuses[200] == 2);
  CHECK(statuses[503] == 6);
}

TEST_CASE("relay hls: when the last viewer stops asking, the engine session is stopped") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "1"}}));
  auto p = playlist_with(ace, "id=dddd4444", 1);
  REQUIRE_FALSE(p.entries.empty());
  REQUIRE(sessions_started(sim) == 1);
  // Gone 3 target durations after the last request; then the stream ends like a TS one.
  CHECK(eventually([&] { return sim.stats()["stops"] == 1; }, 15s));
  CHECK(eventually([&] { return relay_status(ace)["streams"] == 0; }, 5s));
  CHECK(relay_status(ace)["clients"] == 0);
  // The window went with its relay: an old segment is not found; a new playlist starts anew.
  CHECK(http_get(ace.url("/ace/" + p.entries[0].uri)).status == 404);
}

TEST_CASE(
    "relay hls: after a stream delivered faster than real time, the key's next relay numbers above "
    "it") {
  sim_process sim({{"SIM_BITRATE", "0"}});  // unpaced: minutes of media within seconds
  acepool_process ace(relay_env({&sim}, {{"HLS_SEGMENT_S", "0.5"}, {"HLS_WINDOW", "100"}}));
  auto burst = playlist_with(ace, "id=fade0001", 100);
  REQUIRE(burst.entries.size() == 100);
  auto last_seen = burst.media_sequence + static_cast<long>(burst.entries.size()) - 1;
  REQUIRE(eventually([&] { return relay_status(ace)["streams"] == 0; }, 15s));
  auto next = playlist_with(ace, "id=fade0001", 1);
  REQUIRE_FALSE(next.entries.empty());
  // Numbers never given out twice (the clock alone would not ensure it for a faster burst:
  // unit tests of hls_sequence_floor).
  CHECK(next.media_sequence > last_seen);
  // Another engine session in what is, for a player polling on, the same playlist.
  CHECK(next.entries[0].discontinuity);
}

TEST_CASE("relay hls: a failover continues the playlist after a discontinuity") {
  auto a = std::make_unique<sim_process>();
  sim_process b;
  acepool_process ace(relay_env({a.get(), &b}, {{"HLS_SEGMENT_S", "1"}, {"HLS_WINDOW", "10"}}));
  auto before = playlist_with(ace, "id=eeee5555", 2);
  REQUIRE(before.entries.size() >= 2);
  bool on_a = relay_status(ace, "?id=eeee5555")["engine"]["port"] == a->port();
  if (on_a)
    a.reset();  // killed
  else
    b.process().signal(9);
  playlist after;
  REQUIRE(eventually(
      [&] {
        after = parse_playlist(get_playlist(ace, "id=eeee5555").body);
        for (const auto& e : after.entries)
          if (e.discontinuity) return true;
        return false;
      },
      30s));
  // The numbers go on: nothing a player holds is numbered again.
  CHECK(after.media_sequence >= before.media_sequence);
  auto tagged = std::find_if(after.entries.begin(), after.entries.end(),
                             [](const auto& e) { return e.discontinuity; });
  auto seg = http_get(ace.url("/ace/" + tagged->uri));
  REQUIRE(seg.status == 200);
  CHECK(pid_at(seg.body, 0) == 0);
  CHECK(random_access_at(seg.body, 2));
}

TEST_CASE("relay hls: ffmpeg reading the playlist goes on through a failover") {
  auto a = std::make_unique<sim_process>(std::map<std::string, std::string>{{"SIM_GOP", "50"}});
  sim_process b({{"SIM_GOP", "50"}});
  acepool_process ace(relay_env({a.get(), &b}, {{"HLS_SEGMENT_S", "1"}}));
  temp_dir dir;
  auto out = dir.path() + "/failover.ts";
  child_process ffmpeg("/usr/bin/ffmpeg",
                       {"-nostdin", "-v", "error", "-i", ace.url("/ace/manifest.m3u8?id=abcd7777"),
                        "-t", "16", "-c", "copy", out},
                       {});
  REQUIRE(eventually([&] { return relay_status(ace, "?id=abcd7777")["hls_segments"] >= 4; }, 30s));
  int lost_port = relay_status(ace, "?id=abcd7777")["engine"]["port"].get<int>();
  if (lost_port == a->port())
    a.reset();  // the engine the stream is on dies
  else
    b.process().signal(9);
  // ffmpeg keeps asking for the playlist, gets the new engine's segments after the
  // discontinuity, and ends on its own when it has 16 s.
  auto code = ffmpeg.wait(90s);
  INFO(ffmpeg.stderr_text());
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(relay_status(ace, "?id=abcd7777")["engine"]["port"].get<int>() != lost_port);
  // Packets from both sessions: more than the 4 s or so held before the failover.
  auto probe = run_program("/usr/bin/ffprobe",
                           {"-v", "error", "-count_packets", "-select_streams", "v:0",
                            "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", out},
                           {}, 60s);
  CHECK(std::stoi(probe.out) >= 50 * 10);  // 50 frames a second
}

TEST_CASE("relay hls: bad requests get a 4xx with a reason") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"STREAM_TOKEN", "t0k3n"}}));
  struct bad {
    std::string path;
    long status;
    std::string detail;
  };
  for (const auto& b : std::vector<bad>{
           {"/ace/manifest.m3u8?token=t0k3n", 400, "one of 'id' or 'infohash' must have a value"},
           {"/ace/manifest.m3u8?id=a&infohash=b&token=t0k3n", 400, "only one of"},
           {"/ace/manifest.m3u8?id=a&pid=1&token=t0k3n", 400, "PID parameter is not allowed"},
           {"/ace/manifest.m3u8?id=a", 401, "stream token required"},
           {"/ace/manifest.m3u8?id=a&token=wrong", 401, "invalid stream token"},
           {"/ace/manifest.m3u8?id=a&v=xyz&token=t0k3n", 400, "hexadecimal"},
           {"/ace/manifest.m3u8?id=a&v=" + std::string(33, 'a') + "&token=t0k3n", 400,
            "hexadecimal"},
           {"/ace/segment.ts?id=a&v=ab&token=t0k3n", 400, "seq must be"},
           {"/ace/segment.ts?id=a&v=ab&seq=-1&token=t0k3n", 400, "seq must be"},
           {"/ace/segment.ts?id=a&v=ab&seq=99999999999999999999&token=t0k3n", 400, "seq must be"},
           {"/ace/segment.ts?id=a&v=ab&seq=007&token=t0k3n", 400, "seq must be"},
           {"/ace/segment.ts?id=a&seq=1&token=t0k3n", 400, "v is required"},
           {"/ace/segment.ts?id=nobody&v=ab&seq=1&token=t0k3n", 404, "stream not found"},
       }) {
    INFO(b.path);
    auto r = ace.get(b.path);
    CHECK(r.status == b.status);
    CHECK_THAT(json_of(r)["detail"].get<std::string>(), Catch::Contains(b.detail));
  }
  // A segment number the window does not hold: 404 with what to do.
  auto p = playlist_with(ace, "id=ffff6666&token=t0k3n", 1);
  REQUIRE_FALSE(p.entries.empty());
  CHECK_THAT(p.entries[0].uri, Catch::Contains("&token=t0k3n"));  // players cannot send headers
  auto v = p.entries[0].uri.substr(p.entries[0].uri.find("&v=") + 3, 16);
  auto gone = ace.get("/ace/segment.ts?id=ffff6666&token=t0k3n&v=" + v + "&seq=5");
  CHECK(gone.status == 404);
  CHECK_THAT(json_of(gone)["detail"].get<std::string>(), Catch::Contains("ask for the playlist"));
  // An id so long that its segment URIs could not be asked for (the playlist's own target
  // fits in 8 KB; theirs would not): refused at the playlist.
  auto huge = ace.get("/ace/manifest.m3u8?token=t0k3n&id=" + std::string(8140, 'a'));
  CHECK(huge.status == 414);
  CHECK_THAT(json_of(huge)["detail"].get<std::string>(),
             Catch::Contains("too long for segment URIs"));
  // HEAD: the playlist's head; never on the MPEG-TS route, whose head would open a session.
  auto head =
      http_call({"HEAD", ace.url("/ace/manifest.m3u8?id=ffff6666&token=t0k3n"), {}, {}, 20s});
  CHECK(head.status == 200);
  CHECK(head.header("Content-Type") == "application/vnd.apple.mpegurl");
  CHECK(head.body.empty());
  auto ts_head =
      http_call({"HEAD", ace.url("/ace/getstream?id=ffff6666&token=t0k3n"), {}, {}, 20s});
  CHECK(ts_head.status == 405);
  CHECK(ts_head.header("Allow") == "GET, OPTIONS");
  CHECK(ace.process().running());
}

TEST_CASE("relay hls: with ACEXY_M3U8, /ace/getstream answers the playlist, as acexy's mode") {
  sim_process sim;
  acepool_process ace(relay_env({&sim}, {{"ACEXY_M3U8", "true"}, {"HLS_SEGMENT_S", "1"}}));
  auto r = http_get(ace.url("/ace/getstream?id=abab9999"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/vnd.apple.mpegurl");
  auto p = parse_playlist(r.body);
  REQUIRE_FALSE(p.entries.empty());
  // Relative to /ace/getstream, the segment URI is /ace/segment.ts.
  auto seg = http_get(ace.url("/ace/" + p.entries[0].uri));
  REQUIRE(seg.status == 200);
  CHECK(pid_at(seg.body, 0) == 0);
  // ffprobe, pointed at the acexy URL as a player configured for acexy's mode would be.
  auto probe = run_program("/usr/bin/ffprobe",
                           {"-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                            ace.url("/ace/getstream?id=abab9999")},
                           {}, 60s);
  INFO(probe.err);
  CHECK(probe.exit_code == 0);
  CHECK_THAT(probe.out, Catch::Contains("h264"));
  // acexy's other spelling, with a slash: its segment URIs go one level up.
  auto slashed = http_get(ace.url("/ace/getstream/?id=abab9999"));
  REQUIRE(slashed.status == 200);
  auto entry = parse_playlist(slashed.body).entries.at(0).uri;
  CHECK_THAT(entry, Catch::StartsWith("../segment.ts?"));
  CHECK(http_get(ace.url("/ace/getstream/" + entry)).status == 200);
  CHECK(sessions_started(sim) == 1);
}

TEST_CASE("relay hls: hls.js in headless Chromium plays the playlist") {
  sim_process sim({{"SIM_GOP", "50"}});
  acepool_process ace(relay_env({&sim}, {{"CORS_ORIGINS", "*"}}));
  auto r = run_program("/usr/bin/node",
                       {std::string(ACEPOOL_SOURCE_DIR) + "/tests/hls/check_hls_js.mjs",
                        ace.url("/ace/manifest.m3u8?id=acac1212")},
                       {}, 90s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  auto report = json::parse(r.out, nullptr, false);
  REQUIRE(report.is_object());
  CHECK(report["supported"] == true);
  CHECK(report["advanced_s"] >= 2.0);
  CHECK(report["video_width"] == 32);  // the simulator's picture, decoded
  CHECK(report["problems"].empty());
  CHECK(sessions_started(sim) == 1);
}
