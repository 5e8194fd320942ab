#include "tests/common/ts_checker.hpp"

#include <algorithm>
#include <cstring>

namespace acepool::testing {

namespace {

constexpr size_t packet_size = 188;

uint16_t pid_of(const uint8_t* p) {
  return static_cast<uint16_t>(((p[1] & 0x1F) << 8) | p[2]);
}

std::optional<uint64_t> index_at(const uint8_t* data, size_t available) {
  if (available < 12 || std::memcmp(data, "ACEP", 4) != 0) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | data[4 + i];
  return v;
}

}  // namespace

std::optional<uint64_t> index_of_packet(const uint8_t* p) {
  if (p[0] != 0x47) return std::nullopt;
  const uint8_t afc = (p[3] >> 4) & 3;
  if (pid_of(p) == 0x1FFF) return afc & 1 ? index_at(p + 4, packet_size - 4) : std::nullopt;
  if (!(afc & 2) || p[4] == 0) return std::nullopt;
  const uint8_t* af = p + 5;
  const uint8_t* end = p + 5 + std::min<size_t>(p[4], packet_size - 5);
  uint8_t flags = *af++;
  if (flags & 0x10) af += 6;  // PCR
  if (flags & 0x08) af += 6;  // OPCR
  if (flags & 0x04) af += 1;  // splice countdown
  if (!(flags & 0x02) || af >= end) return std::nullopt;
  uint8_t len = *af++;
  if (af + len > end) return std::nullopt;
  return index_at(af, len);
}

void ts_checker::feed(const void* data, size_t n) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  if (!partial_.empty()) {
    size_t need = packet_size - partial_.size();
    size_t take = std::min(need, n);
    partial_.append(reinterpret_cast<const char*>(bytes), take);
    bytes += take;
    n -= take;
    if (partial_.size() < packet_size) return;
    packet(reinterpret_cast<const uint8_t*>(partial_.data()));
    partial_.clear();
  }
  while (n >= packet_size) {
    packet(bytes);
    bytes += packet_size;
    n -= packet_size;
  }
  partial_.append(reinterpret_cast<const char*>(bytes), n);
}

void ts_checker::packet(const uint8_t* p) {
  auto& r = report_;
  ++r.packets;
  if (p[0] != 0x47) {
    ++r.sync_errors;
    return;
  }
  const uint16_t pid = pid_of(p);
  const bool pusi = p[1] & 0x40;
  const uint8_t afc = (p[3] >> 4) & 3;
  const int cc = p[3] & 0x0F;
  bool discontinuity = false;
  const uint8_t* payload = p + 4;
  if (afc & 2) {
    uint8_t af_len = p[4];
    if (af_len > 0) {
      uint8_t flags = p[5];
      discontinuity = flags & 0x80;
      if ((flags & 0x10) && af_len >= 7) {
        const uint8_t* b = p + 6;
        uint64_t base = (uint64_t{b[0]} << 25) | (uint64_t{b[1]} << 17) | (uint64_t{b[2]} << 9) |
                        (uint64_t{b[3]} << 1) | (b[4] >> 7);
        uint64_t ext = (static_cast<uint64_t>(b[4] & 1) << 8) | b[5];
        double t = static_cast<double>(base * 300 + ext) / 27e6;
        if (pid == pcr_pid_ || pcr_pid_ == 0xFFFF) {
          ++r.pcr;
          if (last_pcr_s_) r.max_pcr_gap_s = std::max(r.max_pcr_gap_s, t - *last_pcr_s_);
          if (!first_pcr_s_) first_pcr_s_ = t;
          last_pcr_s_ = t;
          r.pcr_span_s = t - *first_pcr_s_;
        }
      }
    }
    payload = p + 5 + af_len;
  }
  if (pid == 0x1FFF) {
    ++r.null_packets;
  } else if (afc & 1) {
    auto it = last_cc_.find(pid);
    if (it != last_cc_.end() && !discontinuity && cc != (it->second + 1) % 16) ++r.cc_errors;
    last_cc_[pid] = cc;
  }
  if (pid == 0 && pusi && (afc & 1)) {
    ++r.pat;
    if (!r.first_pat_offset) r.first_pat_offset = r.packets - 1;
    if (last_pcr_s_ && pcr_at_last_pat_)
      r.max_pat_gap_s = std::max(r.max_pat_gap_s, *last_pcr_s_ - *pcr_at_last_pat_);
    if (last_pcr_s_) pcr_at_last_pat_ = last_pcr_s_;
    const uint8_t* sec = payload + 1 + payload[0];  // skip pointer_field
    if (sec + 16 <= p + packet_size && sec[0] == 0x00)
      pmt_pid_ = static_cast<uint16_t>(((sec[10] & 0x1F) << 8) | sec[11]);
  } else if (pid == pmt_pid_ && pusi && (afc & 1)) {
    ++r.pmt;
    if (last_pcr_s_ && pcr_at_last_pmt_)
      r.max_pmt_gap_s = std::max(r.max_pmt_gap_s, *last_pcr_s_ - *pcr_at_last_pmt_);
    if (last_pcr_s_) pcr_at_last_pmt_ = last_pcr_s_;
    const uint8_t* sec = payload + 1 + payload[0];
    if (sec + 12 <= p + packet_size && sec[0] == 0x02)
      pcr_pid_ = static_cast<uint16_t>(((sec[8] & 0x1F) << 8) | sec[9]);
  }
  if (auto idx = index_of_packet(p)) {
    if (!r.first_index) r.first_index = idx;
    // Unindexed packets (PAT, PMT) in between still count: the index follows the packet count.
    if (last_index_ && *idx != *last_index_ + (r.packets - last_index_packet_)) {
      ++r.index_jumps;
      if (r.jump_targets.size() < 100) r.jump_targets.push_back(*idx);
    }
    last_index_ = idx;
    last_index_packet_ = r.packets;
    r.last_index = idx;
  }
}

}  // namespace acepool::testing
