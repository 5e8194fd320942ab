#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace acepool::relay {

/// A finished HLS media segment: whole TS packets beginning with a PAT, a PMT and (when the
/// stream marks them) a random-access point of the video.
struct ts_segment {
  std::shared_ptr<const std::string> bytes;
  double duration_s = 0;       ///< from the stream's own clock (PTS, else PCR)
  bool discontinuity = false;  ///< the upstream changed before it (EXT-X-DISCONTINUITY)
  bool starts_at_keyframe = false;
};

/// How a segmenter cuts.
struct segmenter_options {
  std::chrono::milliseconds target{2000};  ///< HLS_SEGMENT_S
  /// A segment this large is cut at the next PAT whatever its content (a stream whose keyframes
  /// never come must not grow a segment without bound).
  size_t max_segment_bytes = 32 << 20;
};

/// Cuts a live MPEG-TS (whole packets, as the relay receives them) into HLS segments near a
/// target duration. A segment starts at a random-access point of the video (the adaptation
/// field's random_access_indicator, or an H.264/HEVC keyframe NAL unit at a PES start) or, in
/// a stream without video (radio), at an audio PES start, with the latest PAT and PMT written
/// in front of it, so each segment decodes on its own. A stream that carries no random-access
/// markers (none within 3 targets of video) is cut at PAT boundaries instead. Durations come
/// from that stream's PTS (else the PCR), 33-bit wrap included.
/// Plain logic: not thread-safe, no I/O.
class ts_segmenter {
 public:
  explicit ts_segmenter(segmenter_options options = {});

  /// Feeds whole 188-byte packets (`size` a multiple of 188); returns the segments they completed.
  std::vector<ts_segment> feed(const char* packets, size_t size);

  /// The upstream changed (a failover to another engine session): the segment being cut is
  /// dropped, program tables are learnt again, and the next segment is marked discontinuous.
  void restart();

  /// Whether this stream is cut at PAT boundaries for want of random-access markers (the
  /// caller logs it once).
  bool cutting_at_pat() const { return at_pat_; }

 private:
  struct packet_view;
  void learn_tables(const packet_view& p, const uint8_t* raw);
  bool random_access(const packet_view& p, const uint8_t* raw) const;
  std::optional<uint64_t> pts_of(const packet_view& p, const uint8_t* raw) const;
  std::optional<uint64_t> pcr_of(const packet_view& p, const uint8_t* raw) const;
  void begin_segment(const uint8_t* raw, uint64_t now, bool keyframe);
  void finish_segment(uint64_t now, std::vector<ts_segment>& out);

  segmenter_options options_;
  uint64_t target_90k_;
  std::string pat_, pmt_;  // the latest of each (one packet), written before a segment
  int pmt_pid_ = -1, pcr_pid_ = -1;
  // The stream segments start on and are timed by: the video, else (radio) the first audio.
  int lead_pid_ = -1;
  uint8_t lead_type_ = 0;
  bool lead_is_audio_ = false;
  bool lead_has_pts_ = false;  // the clock is the lead stream's PTS (else the PCR)
  bool at_pat_ = false;
  bool discontinuity_ = false;
  std::string current_;  // the segment being cut (empty: waiting for a start)
  bool current_keyframe_ = false;
  std::optional<uint64_t> start_clock_, last_clock_;
  std::optional<uint64_t> marker_wait_since_;  // clock at the last random-access marker
};

}  // namespace acepool::relay
