#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "actors/relay/hls_track.hpp"
#include "actors/relay/ts_packets.hpp"
#include "tests/sim/ts_mux.hpp"

namespace {

using namespace acepool;
using namespace std::chrono_literals;
using clock_type = relay::hls_track::clock;

std::string sim_seconds(double seconds, uint32_t gop = 1) {
  auto schedule = *sim::ts_schedule::for_bitrate(4e6, gop);
  auto n = static_cast<size_t>(seconds * schedule.packets_per_second());
  std::string out(n * relay::ts_packet_size, '\0');
  for (size_t i = 0; i < n; ++i)
    sim::make_packet(schedule, 3, i,
                     reinterpret_cast<uint8_t*>(out.data()) + i * relay::ts_packet_size);
  return out;
}

relay::hls_track_options track_options(std::chrono::milliseconds target, size_t window,
                                       size_t max_viewers) {
  relay::hls_track_options o;
  o.segments.target = target;
  o.window = window;
  o.max_viewers = max_viewers;
  return o;
}

std::string numbered(uint64_t n) {
  return std::to_string(n) + ".ts";
}

}  // namespace

TEST_CASE("hls track: requests wait for the first segment, then every one is answered") {
  relay::hls_track track(track_options(1000ms, 4, 2));
  std::vector<bool> answers;
  auto answer = [&](const relay::hls_failure* f) { answers.push_back(f == nullptr); };
  CHECK(track.when_ready("a", answer));
  CHECK(track.when_ready("a", answer));
  CHECK_FALSE(track.when_ready("c", [&](auto) { FAIL("a third waiter was taken"); }));  // bound
  CHECK(track.playlist(numbered).empty());
  track.feed(sim_seconds(0.5));
  CHECK(answers.empty());  // half a segment
  track.feed(sim_seconds(2.5).substr(sim_seconds(0.5).size()));
  CHECK(answers == std::vector<bool>{true, true});
  CHECK_THAT(track.playlist(numbered),
             Catch::Matches("(.|\n)*#EXTINF:1\\.0[0-9]{2},\n0\\.ts\n(.|\n)*"));
  CHECK(track.segment(0) != nullptr);
  // Later requests are answered at once.
  bool later = false;
  CHECK(track.when_ready("a", [&](const relay::hls_failure* f) { later = f == nullptr; }));
  CHECK(later);
}

TEST_CASE("hls track: a stream that fails before its first segment answers its waiters") {
  relay::hls_track track(track_options(1000ms, 4, 8));
  std::vector<int> statuses;
  track.when_ready("a",
                   [&](const relay::hls_failure* f) { statuses.push_back(f ? f->status : 200); });
  track.fail_waiting({503, R"({"detail":"no engine"})", {}});
  CHECK(statuses == std::vector<int>{503});
}

TEST_CASE("hls track: a viewer counts until 3 target durations pass without its request") {
  relay::hls_track track(track_options(2000ms, 4, 2));
  auto t0 = clock_type::time_point{} + 100s;  // synthetic time only
  using touched = relay::hls_track::touch_result;
  CHECK(track.touch("a", t0) == touched::added);
  CHECK(track.touch("b", t0 + 1s) == touched::added);
  CHECK(track.touch("c", t0 + 1s) == touched::refused);           // MAX_CLIENTS reached
  CHECK(track.touch("a", t0 + 2s, false) == touched::refreshed);  // a known viewer always may
  CHECK(track.touch("d", t0 + 2s, false) == touched::refused);    // MAX_CLIENTS across streams
  CHECK(track.viewers(t0 + 6s) == 2);
  CHECK(track.viewers(t0 + 7500ms) == 1);                  // b: 6.5 s since its last request
  CHECK(track.touch("c", t0 + 7500ms) == touched::added);  // room again
  CHECK(track.viewers(t0 + 20s) == 0);
}

TEST_CASE("hls track: a viewer waiting for the first segment stays counted, however long") {
  relay::hls_track track(track_options(1000ms, 4, 8));
  auto t0 = clock_type::time_point{} + 100s;  // synthetic time only
  CHECK(track.touch("slow", t0) == relay::hls_track::touch_result::added);
  bool answered = false;
  track.when_ready("slow", [&](const relay::hls_failure* f) { answered = f == nullptr; });
  // An engine that takes 20 s to send its first bytes: the viewer waits all along.
  CHECK(track.viewers(t0 + 20s) == 1);
  track.feed(sim_seconds(2.5));
  CHECK(answered);
  // Answered: it counts from then, and goes 3 targets after.
  CHECK(track.viewers(t0 + 21s) == 1);
  CHECK(track.viewers(t0 + 23500ms) == 1);
  CHECK(track.viewers(t0 + 24500ms) == 0);
  CHECK_FALSE(track.knows("slow"));
}

TEST_CASE(
    "hls track: with keyframes rarer than the target, viewers count for 3 of the playlist's "
    "target durations") {
  relay::hls_track track(track_options(2000ms, 4, 8));
  auto t0 = clock_type::time_point{} + 100s;  // synthetic time only
  CHECK(track.touch("a", t0) == relay::hls_track::touch_result::added);
  track.feed(sim_seconds(16, 250));  // a keyframe every 5 s (within 3 targets): segments of 5 s
  REQUIRE(track.segments() >= 2);
  CHECK_THAT(track.playlist(numbered), Catch::Contains("#EXT-X-TARGETDURATION:5\n"));
  // A player reloads about once a target duration: 3 of them, not 3 × HLS_SEGMENT_S.
  CHECK(track.viewers(t0 + 14s) == 1);
  CHECK(track.viewers(t0 + 16s) == 0);
}

TEST_CASE("hls track: a track after an earlier one of its key continues its numbering") {
  auto o = track_options(1000ms, 4, 8);
  o.start = {5000, 2, true};
  relay::hls_track track(o);
  track.feed(sim_seconds(2.5));
  auto p = track.playlist(numbered);
  CHECK_THAT(p, Catch::Contains("#EXT-X-MEDIA-SEQUENCE:5000\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n"
                                "#EXT-X-DISCONTINUITY\n"));
  CHECK(track.discontinuities() == 3);
  CHECK(track.next_sequence() == 5000 + track.segments());
}
