#include "actors/relay/ts_segmenter.hpp"

#include <algorithm>

#include "actors/relay/ts_packets.hpp"

namespace acepool::relay {

namespace {

constexpr uint64_t clock_wrap = uint64_t{1} << 33;  // PTS and PCR base count 33 bits

/// `later - earlier` on the 33-bit 90 kHz clock (a wrap between them included).
uint64_t ticks_between(uint64_t earlier, uint64_t later) {
  return (later + clock_wrap - earlier) % clock_wrap;
}

bool is_video_type(uint8_t stream_type) {
  switch (stream_type) {
    case 0x01:  // MPEG-1 video
    case 0x02:  // MPEG-2 video
    case 0x10:  // MPEG-4 part 2
    case 0x1B:  // H.264
    case 0x24:  // HEVC
      return true;
    default:
      return false;
  }
}

bool is_audio_type(uint8_t stream_type) {
  switch (stream_type) {
    case 0x03:  // MPEG-1 audio
    case 0x04:  // MPEG-2 audio
    case 0x0F:  // AAC (ADTS)
    case 0x11:  // AAC (LATM)
    case 0x81:  // AC-3
    case 0x87:  // E-AC-3
      return true;
    default:
      return false;
  }
}

/// Whether the NAL unit (or MPEG-2 start code) whose first byte is `b` starts a picture a
/// decoder can begin at, for a video of PMT `stream_type`.
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters): one caller, which names both
bool keyframe_unit(uint8_t stream_type, uint8_t b) {
  if (stream_type == 0x1B) {
    int type = b & 0x1F;
    return type == 5 || type == 7;  // IDR slice, or the SPS an IDR follows
  }
  if (stream_type == 0x24) {
    int type = (b >> 1) & 0x3F;
    return (type >= 16 && type <= 21) || type == 32 || type == 33;  // IRAP, VPS, SPS
  }
  if (stream_type == 0x01 || stream_type == 0x02) return b == 0xB3;  // sequence header
  return false;
}

/// The section a PSI packet's payload starts (after the pointer field), or null when it does
/// not fit the packet.
const uint8_t* section_start(const uint8_t* payload, size_t payload_size, size_t& section_size) {
  if (payload_size < 1) return nullptr;
  size_t skip = 1 + payload[0];
  if (skip + 3 > payload_size) return nullptr;
  const uint8_t* s = payload + skip;
  size_t length = 3 + (((s[1] & 0x0F) << 8) | s[2]);
  section_size = std::min(length, payload_size - skip);
  return s;
}

uint64_t read_pts(const uint8_t* b) {
  return (static_cast<uint64_t>((b[0] >> 1) & 0x07) << 30) | (static_cast<uint64_t>(b[1]) << 22) |
         (static_cast<uint64_t>(b[2] >> 1) << 15) | (static_cast<uint64_t>(b[3]) << 7) |
         static_cast<uint64_t>(b[4] >> 1);
}

}  // namespace

/// The header fields of one packet that segmenting needs.
struct ts_segmenter::packet_view {
  int pid = 0;
  bool pusi = false;
  uint8_t af_flags = 0;  // 0 without an adaptation field
  size_t af_size = 0;    // bytes of the adaptation field after its length byte
  size_t payload_at = ts_packet_size;

  explicit packet_view(const uint8_t* p) {
    pid = ((p[1] & 0x1F) << 8) | p[2];
    pusi = (p[1] & 0x40) != 0;
    uint8_t control = (p[3] >> 4) & 0x03;
    size_t at = 4;
    if (control & 0x02) {
      af_size = std::min<size_t>(p[4], ts_packet_size - 5);
      if (af_size > 0) af_flags = p[5];
      at = 5 + af_size;
    }
    if (control & 0x01) payload_at = at;
  }
  size_t payload_size() const { return ts_packet_size - payload_at; }
};

ts_segmenter::ts_segmenter(segmenter_options options)
    : options_(options), target_90k_(static_cast<uint64_t>(options.target.count()) * 90) {}

void ts_segmenter::learn_tables(const packet_view& p, const uint8_t* raw) {
  if (!p.pusi || p.payload_size() == 0) return;
  size_t size = 0;
  if (p.pid == 0) {
    const uint8_t* s = section_start(raw + p.payload_at, p.payload_size(), size);
    if (s == nullptr || s[0] != 0x00 || size < 12) return;
    pat_.assign(reinterpret_cast<const char*>(raw), ts_packet_size);
    for (size_t at = 8; at + 4 <= size - 4; at += 4) {  // the last 4 bytes: the CRC
      int program = (s[at] << 8) | s[at + 1];
      if (program == 0) continue;  // the network PID
      int pid = ((s[at + 2] & 0x1F) << 8) | s[at + 3];
      if (pid != pmt_pid_) {
        pmt_pid_ = pid;
        pmt_.clear();
        lead_pid_ = pcr_pid_ = -1;
        lead_is_audio_ = false;
      }
      break;
    }
    return;
  }
  if (p.pid != pmt_pid_) return;
  const uint8_t* s = section_start(raw + p.payload_at, p.payload_size(), size);
  if (s == nullptr || s[0] != 0x02 || size < 16) return;
  pmt_.assign(reinterpret_cast<const char*>(raw), ts_packet_size);
  pcr_pid_ = ((s[8] & 0x1F) << 8) | s[9];
  size_t at = 12 + (((s[10] & 0x0F) << 8) | s[11]);
  int audio_pid = -1;
  uint8_t audio_type = 0;
  while (at + 5 <= size - 4) {
    uint8_t type = s[at];
    int pid = ((s[at + 1] & 0x1F) << 8) | s[at + 2];
    size_t info = ((s[at + 3] & 0x0F) << 8) | s[at + 4];
    if (is_video_type(type)) {
      lead_pid_ = pid;
      lead_type_ = type;
      lead_is_audio_ = false;
      return;
    }
    if (audio_pid < 0 && is_audio_type(type)) {
      audio_pid = pid;
      audio_type = type;
    }
    at += 5 + info;
  }
  if (audio_pid >= 0) {  // a radio stream: every audio frame is a place to begin
    lead_pid_ = audio_pid;
    lead_type_ = audio_type;
    lead_is_audio_ = true;
  }
}

bool ts_segmenter::random_access(const packet_view& p, const uint8_t* raw) const {
  if (p.pid != lead_pid_ || !p.pusi) return false;
  if (lead_is_audio_) return true;     // a PES of audio starts at a frame
  if (p.af_flags & 0x40) return true;  // random_access_indicator
  const uint8_t* pes = raw + p.payload_at;
  size_t n = p.payload_size();
  if (n < 9 || pes[0] != 0 || pes[1] != 0 || pes[2] != 1) return false;
  size_t es = 9 + pes[8];
  for (size_t i = es; i + 3 < n; ++i)
    if (pes[i] == 0 && pes[i + 1] == 0 && pes[i + 2] == 1 && keyframe_unit(lead_type_, pes[i + 3]))
      return true;
  return false;
}

std::optional<uint64_t> ts_segmenter::pts_of(const packet_view& p, const uint8_t* raw) const {
  if (p.pid != lead_pid_ || !p.pusi || p.payload_size() < 14) return std::nullopt;
  const uint8_t* pes = raw + p.payload_at;
  if (pes[0] == 0 && pes[1] == 0 && pes[2] == 1 && (pes[7] & 0x80)) return read_pts(pes + 9);
  return std::nullopt;
}

std::optional<uint64_t> ts_segmenter::pcr_of(const packet_view& p, const uint8_t* raw) const {
  if (p.pid != pcr_pid_ || !(p.af_flags & 0x10) || p.af_size < 7) return std::nullopt;
  const uint8_t* b = raw + 6;
  return (static_cast<uint64_t>(b[0]) << 25) | (static_cast<uint64_t>(b[1]) << 17) |
         (static_cast<uint64_t>(b[2]) << 9) | (static_cast<uint64_t>(b[3]) << 1) |
         static_cast<uint64_t>(b[4] >> 7);
}

void ts_segmenter::begin_segment(const uint8_t* raw, uint64_t now, bool keyframe) {
  current_.clear();
  if (!at_pat_) current_ = pat_ + pmt_;  // a PAT starts a segment cut at PAT boundaries
  current_.append(reinterpret_cast<const char*>(raw), ts_packet_size);
  current_keyframe_ = keyframe;
  start_clock_ = now;
}

void ts_segmenter::finish_segment(uint64_t now, std::vector<ts_segment>& out) {
  ts_segment s;
  s.duration_s = start_clock_ ? static_cast<double>(ticks_between(*start_clock_, now)) / 90000.0
                              : static_cast<double>(options_.target.count()) / 1000.0;
  s.bytes = std::make_shared<const std::string>(std::move(current_));
  s.discontinuity = discontinuity_;
  s.starts_at_keyframe = current_keyframe_;
  discontinuity_ = false;
  current_.clear();
  out.push_back(std::move(s));
}

std::vector<ts_segment> ts_segmenter::feed(const char* packets, size_t size) {
  std::vector<ts_segment> out;
  for (size_t off = 0; off + ts_packet_size <= size; off += ts_packet_size) {
    const auto* raw = reinterpret_cast<const uint8_t*>(packets + off);
    if (raw[0] != ts_sync_byte) continue;
    packet_view p(raw);
    learn_tables(p, raw);
    // One clock per stream: the lead stream's PTS once it has one, the PCR before (and without).
    if (auto pts = pts_of(p, raw)) {
      lead_has_pts_ = true;
      last_clock_ = pts;
    } else if (auto pcr = pcr_of(p, raw); pcr && !lead_has_pts_) {
      last_clock_ = pcr;
    }
    bool rap = random_access(p, raw);
    if (p.pid == lead_pid_ && p.pusi && last_clock_) {
      // No random-access marker within 3 targets of the lead stream: cut at PAT boundaries instead.
      if (rap || !marker_wait_since_)
        marker_wait_since_ = last_clock_;
      else if (!at_pat_ && ticks_between(*marker_wait_since_, *last_clock_) >= 3 * target_90k_)
        at_pat_ = true;
    }
    bool pat = p.pid == 0 && p.pusi;
    bool cut_point = at_pat_ ? pat : rap && !pat_.empty() && !pmt_.empty();
    uint64_t now = last_clock_.value_or(0);
    if (current_.empty()) {
      if (cut_point) begin_segment(raw, now, rap);
      continue;
    }
    bool long_enough =
        last_clock_ && start_clock_ && ticks_between(*start_clock_, now) >= target_90k_;
    bool too_big = current_.size() >= options_.max_segment_bytes &&
                   (pat || current_.size() >= 2 * options_.max_segment_bytes);
    if ((cut_point && long_enough) || too_big) {
      finish_segment(now, out);
      begin_segment(raw, now, rap);
      continue;
    }
    current_.append(reinterpret_cast<const char*>(raw), ts_packet_size);
  }
  return out;
}

void ts_segmenter::restart() {
  pat_.clear();
  pmt_.clear();
  pmt_pid_ = lead_pid_ = pcr_pid_ = -1;
  lead_type_ = 0;
  lead_is_audio_ = false;
  lead_has_pts_ = false;
  at_pat_ = false;
  current_.clear();
  start_clock_.reset();
  last_clock_.reset();
  marker_wait_since_.reset();
  discontinuity_ = true;
}

}  // namespace acepool::relay
