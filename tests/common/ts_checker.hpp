#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acepool::testing {

/// What a TS stream looked like to ts_checker.
struct ts_report {
  uint64_t packets = 0;
  uint64_t sync_errors = 0;  ///< packets whose first byte is not 0x47
  uint64_t cc_errors =
      0;  ///< continuity counter jumps (per PID, payload packets, no discontinuity flag)
  uint64_t pat = 0, pmt = 0, pcr = 0, null_packets = 0;
  double max_pat_gap_s = 0;  ///< stream time (PCR) between consecutive PATs
  double max_pmt_gap_s = 0;
  double max_pcr_gap_s = 0;             ///< between consecutive PCRs
  double pcr_span_s = 0;                ///< last PCR − first PCR
  std::optional<uint64_t> first_index;  ///< simulator packet index of the first indexed packet
  std::optional<uint64_t> last_index;
  uint64_t index_jumps = 0;  ///< indexed packets whose index does not follow the packet count
  std::vector<uint64_t> jump_targets;        ///< the index after each jump (first 100)
  std::optional<uint64_t> first_pat_offset;  ///< packet position of the first PAT
};

/// An independent MPEG-TS checker (written from ISO 13818-1, sharing no code with the simulator
/// or acepool): sync bytes, continuity counters, PAT/PMT and PCR spacing in stream time, and the
/// packet indexes the simulator embeds (adaptation-field private data or null-packet payload
/// starting with "ACEP").
class ts_checker {
 public:
  /// Feeds bytes in any split; the stream must start on a packet boundary.
  void feed(const void* data, size_t n);
  const ts_report& report() const { return report_; }
  /// Bytes not yet forming a whole packet.
  size_t pending() const { return partial_.size(); }

 private:
  void packet(const uint8_t* p);

  ts_report report_;
  std::string partial_;
  std::map<uint16_t, int> last_cc_;
  uint16_t pmt_pid_ = 0xFFFF;
  uint16_t pcr_pid_ = 0xFFFF;
  std::optional<double> last_pcr_s_, first_pcr_s_, pcr_at_last_pat_, pcr_at_last_pmt_;
  std::optional<uint64_t> last_index_;
  uint64_t last_index_packet_ = 0;  // packet count when last_index_ was seen
};

/// The simulator packet index carried by one 188-byte packet, if any.
std::optional<uint64_t> index_of_packet(const uint8_t* p);

}  // namespace acepool::testing
