// The HLS segmenter on the simulator's TS (realistic: PAT/PMT every 20 ms, one H.264 frame per
// period with the random-access flag) and on hand-made packets for what the simulator never
// sends (no markers, PCR only, a clock that wraps, garbage).
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "actors/relay/ts_packets.hpp"
#include "actors/relay/ts_segmenter.hpp"
#include "tests/sim/ts_mux.hpp"

namespace {

using namespace acepool;
using namespace std::chrono_literals;
using relay::ts_packet_size;

/// `seconds` of the simulator's 4 Mbit/s stream seeded `seed` with a keyframe every `gop` frames
/// (50 frames a second), `transform` applied per packet.
std::string sim_stream(double seconds, uint32_t seed = 7,
                       const std::function<void(uint8_t*)>& transform = {}, uint32_t gop = 1) {
  auto schedule = *sim::ts_schedule::for_bitrate(4e6, gop);
  auto n = static_cast<size_t>(seconds * schedule.packets_per_second());
  std::string out(n * ts_packet_size, '\0');
  for (size_t i = 0; i < n; ++i) {
    auto* p = reinterpret_cast<uint8_t*>(out.data()) + i * ts_packet_size;
    sim::make_packet(schedule, seed, i, p);
    if (transform) transform(p);
  }
  return out;
}

int pid_of(const char* p) {
  return ((static_cast<uint8_t>(p[1]) & 0x1F) << 8) | static_cast<uint8_t>(p[2]);
}

bool starts_frame_with_marker(const char* p) {
  auto* u = reinterpret_cast<const uint8_t*>(p);
  return pid_of(p) == sim::video_pid && (u[1] & 0x40) && (u[3] & 0x20) && (u[5] & 0x40);
}

/// Feeds `bytes` in reads of `step` bytes (whole packets), as the relay does.
std::vector<relay::ts_segment> feed_all(relay::ts_segmenter& s, const std::string& bytes,
                                        size_t step = 7 * ts_packet_size) {
  std::vector<relay::ts_segment> out;
  for (size_t at = 0; at < bytes.size(); at += step) {
    auto got = s.feed(bytes.data() + at, std::min(step, bytes.size() - at));
    for (auto& g : got)
      out.push_back(std::move(g));
  }
  return out;
}

/// Removes the random-access flag from the simulator's frame starts.
void drop_marker(uint8_t* p) {
  if (((p[1] & 0x1F) << 8 | p[2]) == sim::video_pid && (p[3] & 0x20) && p[4] > 0) p[5] &= ~0x40;
}

/// Also makes the frame's NAL units look like non-key slices (type 1).
void drop_keyframes(uint8_t* p) {
  drop_marker(p);
  if (((p[1] & 0x1F) << 8 | p[2]) != sim::video_pid || !(p[1] & 0x40)) return;
  for (size_t i = 4; i + 3 < ts_packet_size; ++i)
    if (p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1 && i + 3 > size_t{4} + p[4] + 9)
      p[i + 3] = static_cast<uint8_t>((p[i + 3] & 0xE0) | 1);
}

}  // namespace

TEST_CASE("segmenter: each segment starts with PAT, PMT and a keyframe, near the target") {
  relay::ts_segmenter segmenter({2000ms});
  auto segments = feed_all(segmenter, sim_stream(11.0));
  REQUIRE(segments.size() == 5);  // the sixth is still being cut
  for (const auto& s : segments) {
    const auto& b = *s.bytes;
    REQUIRE(b.size() % ts_packet_size == 0);
    CHECK(relay::is_pat_start(reinterpret_cast<const uint8_t*>(b.data())));
    CHECK(pid_of(b.data() + ts_packet_size) == sim::pmt_pid);
    CHECK(starts_frame_with_marker(b.data() + 2 * ts_packet_size));
    CHECK(s.starts_at_keyframe);
    CHECK_FALSE(s.discontinuity);
    CHECK(s.duration_s == Approx(2.0).margin(0.021));  // a frame every 20 ms
  }
  CHECK_FALSE(segmenter.cutting_at_pat());
}

TEST_CASE("segmenter: segments carry every packet of the stream once, in order") {
  relay::ts_segmenter segmenter({1000ms});
  auto input = sim_stream(6.0);
  auto segments = feed_all(segmenter, input, 188 * 3);
  REQUIRE(segments.size() >= 4);
  // Without the PAT and PMT written in front, the segments are the input from the first
  // keyframe on, byte for byte.
  std::string joined;
  for (const auto& s : segments)
    joined += s.bytes->substr(2 * ts_packet_size);
  auto first = input.find(segments[0].bytes->substr(2 * ts_packet_size, ts_packet_size));
  REQUIRE(first != std::string::npos);
  CHECK(input.compare(first, joined.size(), joined) == 0);
}

TEST_CASE("segmenter: with keyframes every 1.5 s, segments are cut there, not at the target") {
  relay::ts_segmenter segmenter({1000ms});
  auto input = sim_stream(8.0, 5, {}, 75);
  size_t marked = 0;
  for (size_t at = 0; at < input.size(); at += ts_packet_size)
    marked += starts_frame_with_marker(input.data() + at);
  CHECK(marked == 6);  // frames 0, 75, 150, ... of 400: only keyframes are marked
  auto segments = feed_all(segmenter, input);
  REQUIRE(segments.size() == 5);  // cut at 1.5, 3, 4.5, 6 and 7.5 s
  for (const auto& s : segments) {
    CHECK(starts_frame_with_marker(s.bytes->data() + 2 * ts_packet_size));
    CHECK(s.duration_s == Approx(1.5).margin(0.021));  // the first keyframe past 1 s
  }
  // Without the flag, the IDR (with its SPS) is still found, and the I frames between are not
  // taken for keyframes.
  relay::ts_segmenter by_nal({1000ms});
  auto unflagged = feed_all(by_nal, sim_stream(8.0, 5, drop_marker, 75));
  REQUIRE(unflagged.size() == 5);
  for (const auto& s : unflagged)
    CHECK(s.duration_s == Approx(1.5).margin(0.021));
}

TEST_CASE("segmenter: without the random-access flag, an H.264 IDR still starts segments") {
  relay::ts_segmenter segmenter({2000ms});
  auto segments = feed_all(segmenter, sim_stream(7.0, 9, drop_marker));
  REQUIRE(segments.size() == 3);
  for (const auto& s : segments) {
    CHECK(s.starts_at_keyframe);
    CHECK(pid_of(s.bytes->data() + 2 * ts_packet_size) == sim::video_pid);
    CHECK(s.duration_s == Approx(2.0).margin(0.021));
  }
}

TEST_CASE("segmenter: a stream without random-access markers is cut at PAT boundaries") {
  relay::ts_segmenter segmenter({1000ms});
  auto segments = feed_all(segmenter, sim_stream(10.0, 9, drop_keyframes));
  CHECK(segmenter.cutting_at_pat());
  // Nothing for the 3 targets it waits for a marker, then a segment per target.
  REQUIRE(segments.size() >= 5);
  for (const auto& s : segments) {
    CHECK(relay::is_pat_start(reinterpret_cast<const uint8_t*>(s.bytes->data())));
    CHECK_FALSE(s.starts_at_keyframe);
    CHECK(s.duration_s == Approx(1.0).margin(0.041));
  }
}

TEST_CASE("segmenter: after a restart (failover) the next segment is a discontinuity") {
  relay::ts_segmenter segmenter({1000ms});
  auto before = feed_all(segmenter, sim_stream(3.5, 1));
  REQUIRE(before.size() == 3);
  segmenter.restart();  // the half-cut segment of the lost upstream is dropped
  auto after = feed_all(segmenter, sim_stream(3.5, 2));
  REQUIRE(after.size() == 3);
  CHECK(after[0].discontinuity);
  CHECK_FALSE(after[1].discontinuity);
  CHECK(after[0].duration_s == Approx(1.0).margin(0.021));
}

namespace {

/// Hand-made packets: a PAT naming PMT PID 0x20, a PMT naming H.264 on PID 0x21 (PCR there too).
std::string psi_packet(int pid, const std::vector<uint8_t>& section) {
  std::string p(ts_packet_size, '\xff');
  auto* u = reinterpret_cast<uint8_t*>(p.data());
  u[0] = 0x47;
  u[1] = static_cast<uint8_t>(0x40 | (pid >> 8));
  u[2] = static_cast<uint8_t>(pid & 0xFF);
  u[3] = 0x10;
  u[4] = 0;  // pointer field
  std::memcpy(u + 5, section.data(), section.size());
  return p;
}

std::string pat() {
  // table 0, length 13: ts id, version, section numbers, program 1 → PID 0x20, CRC (unchecked)
  return psi_packet(0, {0x00, 0xB0, 13, 0, 1, 0xC1, 0, 0, 0, 1, 0xE0, 0x20, 0, 0, 0, 0});
}

std::string pmt() {
  return psi_packet(0x20, {0x02, 0xB0, 18,   0,    1,    0xC1, 0, 0, 0xE0, 0x21, 0xF0,
                           0,    0x1B, 0xE0, 0x21, 0xF0, 0,    0, 0, 0,    0});
}

/// A video packet on PID 0x21 starting a PES, with PTS `pts` (none when negative), PCR `pcr`
/// (none when negative) and the random-access flag when `marker`.
std::string video(int64_t pts, int64_t pcr, bool marker) {
  std::string p(ts_packet_size, '\0');
  auto* u = reinterpret_cast<uint8_t*>(p.data());
  u[0] = 0x47;
  u[1] = 0x40;
  u[2] = 0x21;
  u[3] = 0x30;  // adaptation field and payload
  u[4] = 7;
  u[5] = static_cast<uint8_t>((marker ? 0x40 : 0) | (pcr >= 0 ? 0x10 : 0));
  if (pcr >= 0) {
    auto base = static_cast<uint64_t>(pcr);
    u[6] = static_cast<uint8_t>(base >> 25);
    u[7] = static_cast<uint8_t>(base >> 17);
    u[8] = static_cast<uint8_t>(base >> 9);
    u[9] = static_cast<uint8_t>(base >> 1);
    u[10] = static_cast<uint8_t>((base & 1) << 7);
  }
  uint8_t* pes = u + 12;
  pes[2] = 1;
  pes[3] = 0xE0;
  pes[6] = 0x80;
  pes[7] = pts >= 0 ? 0x80 : 0;
  pes[8] = pts >= 0 ? 5 : 0;
  if (pts >= 0) {
    auto v = static_cast<uint64_t>(pts);
    pes[9] = static_cast<uint8_t>(0x21 | ((v >> 29) & 0x0E));
    pes[10] = static_cast<uint8_t>(v >> 22);
    pes[11] = static_cast<uint8_t>(((v >> 14) & 0xFE) | 1);
    pes[12] = static_cast<uint8_t>(v >> 7);
    pes[13] = static_cast<uint8_t>(((v << 1) & 0xFE) | 1);
  }
  return p;
}

/// A radio PMT: AAC (ADTS) on PID 0x22, the PCR there too, no video.
std::string pmt_audio_only() {
  return psi_packet(0x20, {0x02, 0xB0, 18,   0,    1,    0xC1, 0, 0, 0xE0, 0x22, 0xF0,
                           0,    0x0F, 0xE0, 0x22, 0xF0, 0,    0, 0, 0,    0});
}

/// An audio packet on PID 0x22 starting a PES with PTS `pts`; no random-access flag.
std::string audio(int64_t pts) {
  auto p = video(pts, -1, false);
  p[2] = 0x22;
  p[12 + 3] = static_cast<char>(0xC0);  // an audio stream id
  return p;
}

constexpr int64_t wrap = int64_t{1} << 33;

}  // namespace

TEST_CASE("segmenter: a stream without video (radio) is cut at audio frames near the target") {
  relay::ts_segmenter segmenter({1000ms});
  std::string stream;
  for (int i = 0; i <= 35; ++i) {  // an AAC frame every 0.1 s, tables every 0.5 s
    if (i % 5 == 0) stream += pat() + pmt_audio_only();
    stream += audio(i * 9000);
  }
  auto segments = feed_all(segmenter, stream);
  REQUIRE(segments.size() == 3);  // 3.5 s of audio: cut at 1, 2 and 3 s
  CHECK_FALSE(segmenter.cutting_at_pat());
  for (const auto& s : segments) {
    CHECK(s.duration_s == Approx(1.0));
    CHECK(s.starts_at_keyframe);
    const char* b = s.bytes->data();
    CHECK(pid_of(b) == 0);
    CHECK(pid_of(b + ts_packet_size) == 0x20);
    CHECK(pid_of(b + 2 * ts_packet_size) == 0x22);
  }
}

TEST_CASE("segmenter: durations survive the 33-bit clock wrapping") {
  relay::ts_segmenter segmenter({1000ms});
  std::string stream;
  int64_t start = wrap - 90000;  // one second before the wrap
  for (int i = 0; i <= 6; ++i)
    stream += pat() + pmt() + video((start + i * 45000) % wrap, -1, true);  // 0.5 s apart
  auto segments = feed_all(segmenter, stream);
  REQUIRE(segments.size() == 3);  // cut at 1, 2 and 3 s
  for (const auto& s : segments)
    CHECK(s.duration_s == Approx(1.0));
}

TEST_CASE("segmenter: a video without PTS is timed by its PCR") {
  relay::ts_segmenter segmenter({1000ms});
  std::string stream;
  for (int i = 0; i <= 4; ++i)
    stream += pat() + pmt() + video(-1, 900000 + i * 45000, true);
  auto segments = feed_all(segmenter, stream);
  REQUIRE(segments.size() == 2);
  CHECK(segments[0].duration_s == Approx(1.0));
}

TEST_CASE("segmenter: a segment that outgrows its bound is cut at the next PAT") {
  relay::ts_segmenter segmenter({2000ms, 20 * ts_packet_size});
  std::string stream = pat() + pmt() + video(0, -1, true);
  for (int i = 0; i < 100; ++i)
    stream += (i % 10 == 0 ? pat() : video(-1, -1, false));  // the clock never moves
  auto segments = feed_all(segmenter, stream);
  REQUIRE_FALSE(segments.empty());
  for (const auto& s : segments)
    CHECK(s.bytes->size() <= 40 * ts_packet_size);
}

TEST_CASE("segmenter: garbage never makes a segment that does not start at a PAT") {
  std::mt19937 random(42);
  for (int round = 0; round < 200; ++round) {
    relay::ts_segmenter segmenter({100ms, 50 * ts_packet_size});
    std::string stream;
    for (int i = 0; i < 300; ++i) {
      std::string p = (random() % 7 == 0)   ? pat()
                      : (random() % 7 == 0) ? pmt()
                                            : video(random() % 900000, -1, random() % 2);
      for (int k = 0; k < 6; ++k)
        p[4 + random() % 184] = static_cast<char>(random());  // corrupt the body
      stream += p;
    }
    for (const auto& s : feed_all(segmenter, stream)) {
      REQUIRE(s.bytes->size() % ts_packet_size == 0);
      REQUIRE(s.bytes->size() >= ts_packet_size);
      REQUIRE(relay::is_pat_start(reinterpret_cast<const uint8_t*>(s.bytes->data())));
    }
  }
}
