#pragma once

#include <cstdint>
#include <optional>

namespace acepool::sim {

constexpr size_t ts_packet_size = 188;
constexpr uint16_t pmt_pid = 0x1000;
constexpr uint16_t video_pid = 0x100;
constexpr uint16_t null_pid = 0x1FFF;

/// The fixed packet layout of a stream: every period of `packets_per_period` packets holds a PAT,
/// a PMT, `video_packets` packets carrying one H.264 frame (the first with PCR and PTS), and null
/// packets as filler. At the nominal bitrate a period lasts at most 20 ms, so PAT/PMT repeat
/// within 100 ms and PCR within 40 ms of stream time.
struct ts_schedule {
  double bitrate = 0;  ///< nominal bit/s (also the PCR clock)
  uint32_t packets_per_period = 0;
  uint32_t video_packets = 0;
  /// Frames from one keyframe to the next (SIM_GOP): only keyframes carry SPS/PPS, an IDR and
  /// the adaptation field's random_access_indicator. 1: every frame is a keyframe.
  uint32_t gop = 1;

  double packets_per_second() const { return bitrate / (ts_packet_size * 8); }

  /// The layout for `bitrate` (0 = unpaced, laid out as 2 Mbit/s); nothing below 1 Mbit/s,
  /// where a frame no longer fits a 20 ms period.
  static std::optional<ts_schedule> for_bitrate(double bitrate, uint32_t gop = 1);
};

enum class packet_kind { pat, pmt, video, null };

/// What packet `index` is.
packet_kind kind_of(const ts_schedule& s, uint64_t index);

/// Writes packet `index` of the stream seeded by `seed` into `out` (188 bytes). Bytes depend only
/// on (schedule, seed, index). Video and null packets carry `index` (see packet_index).
void make_packet(const ts_schedule& s, uint32_t seed, uint64_t index, uint8_t* out);

/// The index a video packet (adaptation-field private data) or null packet (payload) of this
/// simulator carries; nothing for other packets.
std::optional<uint64_t> packet_index(const uint8_t* packet);

/// 32-bit seed of a stream from its infohash.
uint32_t seed_of(const char* infohash_hex);

}  // namespace acepool::sim
