#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace acepool::relay {

constexpr size_t ts_packet_size = 188;
constexpr uint8_t ts_sync_byte = 0x47;

/// Whether the 188-byte packet at `p` starts a PAT section (PID 0, payload_unit_start set).
bool is_pat_start(const uint8_t* p);

/// `n` MPEG-TS null packets (PID 0x1FFF): what clients get while an upstream is being replaced,
/// so players and proxies do not time out.
std::string null_packets(size_t n);

/// Cuts an upstream byte stream into whole 188-byte packets: bytes split anywhere come out as
/// packets, a lost sync is found again (a 0x47 with another 188 bytes later), and optionally
/// nothing is passed before the first PAT (a new engine session starts where players can decode).
class ts_aligner {
 public:
  explicit ts_aligner(bool start_at_pat = true) : waiting_for_pat_(start_at_pat) {}

  /// Whole packets from what has arrived so far.
  struct output {
    std::string packets;
    std::vector<size_t> pat_offsets;  ///< byte offsets of PAT starts within `packets`
  };
  output feed(const char* data, size_t n);

  /// Bytes dropped to regain sync or before the first PAT.
  uint64_t discarded() const { return discarded_; }

  /// What a handover carries: the bytes of a packet not yet whole, and whether the first PAT is
  /// still awaited.
  const std::string& held() const { return pending_; }
  bool waiting_for_pat() const { return waiting_for_pat_; }
  /// An aligner that continues where one with these held() and waiting_for_pat() stood.
  static ts_aligner resume(std::string held, bool waiting_for_pat) {
    ts_aligner a(waiting_for_pat);
    a.pending_ = std::move(held);
    return a;
  }

 private:
  std::string pending_;
  bool waiting_for_pat_;
  uint64_t discarded_ = 0;
};

}  // namespace acepool::relay
