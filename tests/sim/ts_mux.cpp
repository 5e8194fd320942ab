#include "tests/sim/ts_mux.hpp"

#include <cstring>
#include <string>

#include "tests/sim/h264_pcm.hpp"

namespace acepool::sim {

namespace {

constexpr uint8_t index_marker[4] = {'A', 'C', 'E', 'P'};
constexpr size_t private_bytes = 12;                    // marker + 64-bit index
constexpr size_t af_plain = 1 + 1 + 1 + private_bytes;  // length, flags, private length, data
constexpr size_t af_with_pcr = af_plain + 6;
constexpr size_t pes_header_size = 14;
constexpr double pcr_offset_s = 1.0;  // keeps timestamps clear of zero
constexpr double decode_delay_s = 0.2;

uint32_t crc32_mpeg(const uint8_t* data, size_t n) {
  uint32_t crc = 0xFFFFFFFF;
  for (size_t i = 0; i < n; ++i) {
    crc ^= static_cast<uint32_t>(data[i]) << 24;
    for (int b = 0; b < 8; ++b)
      crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
  }
  return crc;
}

void header(uint8_t* p, uint16_t pid, bool pusi, uint8_t afc, uint8_t cc) {
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>((pusi ? 0x40 : 0) | ((pid >> 8) & 0x1F));
  p[2] = static_cast<uint8_t>(pid & 0xFF);
  p[3] = static_cast<uint8_t>((afc << 4) | (cc & 0x0F));
}

void put_index(uint8_t* at, uint64_t index) {
  std::memcpy(at, index_marker, 4);
  for (int i = 0; i < 8; ++i)
    at[4 + i] = static_cast<uint8_t>(index >> (56 - 8 * i));
}

// A PSI section (PAT or PMT) in one packet, CRC appended, the rest stuffed with 0xFF.
void psi_packet(uint8_t* p, uint16_t pid, uint8_t cc, const uint8_t* section, size_t len) {
  header(p, pid, true, 1, cc);
  std::memset(p + 4, 0xFF, ts_packet_size - 4);
  p[4] = 0;  // pointer_field
  std::memcpy(p + 5, section, len);
  uint32_t crc = crc32_mpeg(section, len);
  for (int i = 0; i < 4; ++i)
    p[5 + len + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
}

void pat(uint8_t* p, uint8_t cc) {
  const uint8_t s[] = {0x00,          0xB0, 13,
                       0x00,          0x01, 0xC1,
                       0x00,          0x00,  // table 0, length 13, tsid 1
                       0x00,          0x01, static_cast<uint8_t>(0xE0 | (pmt_pid >> 8)),
                       pmt_pid & 0xFF};
  psi_packet(p, 0, cc, s, sizeof s);
}

void pmt(uint8_t* p, uint8_t cc) {
  const uint8_t s[] = {0x02,
                       0xB0,
                       18,
                       0x00,
                       0x01,
                       0xC1,
                       0x00,
                       0x00,  // table 2, length 18, program 1
                       static_cast<uint8_t>(0xE0 | (video_pid >> 8)),
                       video_pid & 0xFF,  // PCR PID
                       0xF0,
                       0x00,  // no program info
                       0x1B,  // H.264
                       static_cast<uint8_t>(0xE0 | (video_pid >> 8)),
                       video_pid & 0xFF,
                       0xF0,
                       0x00};
  psi_packet(p, pmt_pid, cc, s, sizeof s);
}

void put_pts(uint8_t* b, uint64_t pts) {
  b[0] = static_cast<uint8_t>(0x21 | ((pts >> 29) & 0x0E));
  b[1] = static_cast<uint8_t>(pts >> 22);
  b[2] = static_cast<uint8_t>(((pts >> 14) & 0xFE) | 1);
  b[3] = static_cast<uint8_t>(pts >> 7);
  b[4] = static_cast<uint8_t>(((pts << 1) & 0xFE) | 1);
}

void put_pcr(uint8_t* b, uint64_t base) {
  b[0] = static_cast<uint8_t>(base >> 25);
  b[1] = static_cast<uint8_t>(base >> 17);
  b[2] = static_cast<uint8_t>(base >> 9);
  b[3] = static_cast<uint8_t>(base >> 1);
  b[4] = static_cast<uint8_t>(((base & 1) << 7) | 0x7E);
  b[5] = 0;
}

uint64_t clock_90k(const ts_schedule& s, uint64_t index) {
  double t = static_cast<double>(index) / s.packets_per_second() + pcr_offset_s;
  return static_cast<uint64_t>(t * 90000.0);
}

// PES packet (header + one access unit) of the frame of `period`; the last one is cached because
// each frame spans several packets.
const std::string& pes_of(const ts_schedule& s, uint32_t seed, uint64_t period) {
  thread_local uint32_t cached_seed = 0;
  thread_local uint64_t cached_period = ~uint64_t{0};
  thread_local double cached_bitrate = 0;
  thread_local uint32_t cached_gop = 0;
  thread_local std::string pes;
  if (cached_seed == seed && cached_period == period && cached_bitrate == s.bitrate &&
      cached_gop == s.gop)
    return pes;
  auto es = encode_pcm_frame(seed, period, s.gop);
  // Annex B trailing zero bytes fill the frame's packets exactly, so every video packet carries
  // payload and the continuity counter advances by one per video packet.
  const size_t capacity =
      (ts_packet_size - 4 - af_with_pcr) + (s.video_packets - 1) * (ts_packet_size - 4 - af_plain);
  es.resize(capacity - pes_header_size, '\0');
  pes.assign(pes_header_size, '\0');
  auto* h = reinterpret_cast<uint8_t*>(pes.data());
  h[0] = 0;
  h[1] = 0;
  h[2] = 1;
  h[3] = 0xE0;
  size_t length = 3 + 5 + es.size();
  h[4] = static_cast<uint8_t>(length >> 8);
  h[5] = static_cast<uint8_t>(length & 0xFF);
  h[6] = 0x80;
  h[7] = 0x80;  // PTS only
  h[8] = 5;
  uint64_t first = period * s.packets_per_period + 2;
  put_pts(h + 9, clock_90k(s, first) + static_cast<uint64_t>(decode_delay_s * 90000));
  pes += es;
  cached_seed = seed;
  cached_period = period;
  cached_bitrate = s.bitrate;
  cached_gop = s.gop;
  return pes;
}

}  // namespace

std::optional<ts_schedule> ts_schedule::for_bitrate(double bitrate, uint32_t gop) {
  if (bitrate == 0) bitrate = 2e6;
  if (bitrate < 1e6) return std::nullopt;
  ts_schedule s;
  s.bitrate = bitrate;
  s.gop = gop == 0 ? 1 : gop;
  s.packets_per_period = static_cast<uint32_t>(s.packets_per_second() * 0.020);
  size_t pes = pes_header_size + max_pcm_frame_size();
  size_t first = ts_packet_size - 4 - af_with_pcr;
  size_t rest = ts_packet_size - 4 - af_plain;
  s.video_packets = static_cast<uint32_t>(1 + (pes > first ? (pes - first + rest - 1) / rest : 0));
  if (s.packets_per_period < s.video_packets + 2) return std::nullopt;
  return s;
}

packet_kind kind_of(const ts_schedule& s, uint64_t index) {
  auto r = index % s.packets_per_period;
  if (r == 0) return packet_kind::pat;
  if (r == 1) return packet_kind::pmt;
  if (r < 2 + s.video_packets) return packet_kind::video;
  return packet_kind::null;
}

void make_packet(const ts_schedule& s, uint32_t seed, uint64_t index, uint8_t* out) {
  const uint64_t period = index / s.packets_per_period;
  const auto r = static_cast<uint32_t>(index % s.packets_per_period);
  switch (kind_of(s, index)) {
    case packet_kind::pat:
      pat(out, static_cast<uint8_t>(period));
      return;
    case packet_kind::pmt:
      pmt(out, static_cast<uint8_t>(period));
      return;
    case packet_kind::null: {
      header(out, null_pid, false, 1, 0);
      put_index(out + 4, index);
      for (size_t i = 4 + private_bytes; i < ts_packet_size; ++i)
        out[i] = static_cast<uint8_t>(seed + index * 31 + i);
      return;
    }
    case packet_kind::video:
      break;
  }
  const uint32_t k = r - 2;  // position of this packet within the frame
  const auto& pes = pes_of(s, seed, period);
  const size_t first_cap = ts_packet_size - 4 - af_with_pcr;
  const size_t rest_cap = ts_packet_size - 4 - af_plain;
  size_t offset = k == 0 ? 0 : first_cap + (k - 1) * rest_cap;
  size_t cap = k == 0 ? first_cap : rest_cap;
  size_t take = cap;                            // the PES fills every packet of the frame exactly
  size_t af_total = ts_packet_size - 4 - take;  // adaptation field incl. its length byte
  header(out, video_pid, k == 0, 3, static_cast<uint8_t>(period * s.video_packets + k));
  uint8_t* af = out + 4;
  af[0] = static_cast<uint8_t>(af_total - 1);
  const bool random_access = k == 0 && is_keyframe(period, s.gop);
  af[1] =
      static_cast<uint8_t>((random_access ? 0x40 : 0) | (k == 0 ? 0x10 : 0) |
                           0x02);  // random access (keyframes), PCR (frame starts), private data
  uint8_t* at = af + 2;
  if (k == 0) {
    put_pcr(at, clock_90k(s, index));
    at += 6;
  }
  *at++ = private_bytes;
  put_index(at, index);
  at += private_bytes;
  std::memcpy(out + 4 + af_total, pes.data() + offset, take);
}

std::optional<uint64_t> packet_index(const uint8_t* p) {
  if (p[0] != 0x47) return std::nullopt;
  uint16_t pid = static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
  const uint8_t* data = nullptr;
  if (pid == null_pid) {
    data = p + 4;
  } else if (pid == video_pid && (p[3] & 0x20) && p[4] >= 2 && (p[5] & 0x02)) {
    data = p + 6 + ((p[5] & 0x10) ? 6 : 0);
    if (*data != private_bytes) return std::nullopt;
    ++data;
  } else {
    return std::nullopt;
  }
  if (std::memcmp(data, index_marker, 4) != 0) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | data[4 + i];
  return v;
}

uint32_t seed_of(const char* hex) {
  uint32_t v = 0;
  for (int i = 0; i < 8 && hex[i]; ++i) {
    char c = hex[i];
    v = (v << 4) | static_cast<uint32_t>(c >= 'a'   ? c - 'a' + 10
                                         : c >= 'A' ? c - 'A' + 10
                                                    : c - '0');
  }
  return v;
}

}  // namespace acepool::sim
