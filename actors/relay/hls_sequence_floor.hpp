#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace acepool::relay {

/// Where a new HLS track of a key starts, so that its playlist continues what earlier relays of
/// the key gave out (a player polling the same URL across a relay's end must see neither a
/// sequence number again nor a discontinuity sequence going back, RFC 8216 §6.2.2).
struct hls_start {
  uint64_t sequence = 0;         ///< the first segment's media sequence number
  uint64_t discontinuities = 0;  ///< EXT-X-DISCONTINUITY-SEQUENCE before the first segment
  bool after_earlier = false;    ///< an earlier track of the key: the first segment is a
                                 ///< discontinuity (another engine session)
};

/// Where a stream key's next HLS track starts numbering its segments, so that a (key, sequence)
/// pair names one segment for good: a player or cache never takes a new segment for an old one.
///
/// Two rules, the larger wins: the wall clock in milliseconds (across restarts of acepool a
/// relay would have to have cut 1000 segments per second since it started to be overtaken), and
/// what earlier relays of the key in this process gave out (exact, even for a stream delivered
/// far faster than real time). Keys share a fixed table of slots by hash: a collision only
/// raises another key's start (and marks its first segment discontinuous), which is always
/// safe. Lock-free; fixed memory.
class hls_sequence_floor {
 public:
  /// The start of a new track of `key`, the wall clock reading `now`.
  hls_start start(const std::string& key, std::chrono::system_clock::time_point now) const;
  /// A track of `key` ends with `next` as the number its next segment would get, after
  /// `discontinuities` discontinuities in all.
  void remember(const std::string& key, uint64_t next, uint64_t discontinuities);

 private:
  struct slot {
    std::atomic<uint64_t> next{0};
    std::atomic<uint64_t> discontinuities{0};
  };
  static constexpr size_t slots = 4096;
  static size_t index(const std::string& key);
  std::array<slot, slots> slots_{};
};

}  // namespace acepool::relay
