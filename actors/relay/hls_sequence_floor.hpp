#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace acepool::relay {

/// Where a stream key's next HLS track starts numbering its segments, so that a (key, sequence)
/// pair names one segment for good: a player or cache never takes a new segment for an old one.
///
/// Two rules, the larger wins: the wall clock in 10 ms steps (across restarts of acepool a
/// relay would have to have cut 100 segments per second since it started to be overtaken), and
/// what earlier relays of the key in this process gave out (exact, even for a stream delivered
/// far faster than real time). Keys share a fixed table of slots by hash: a collision only
/// raises another key's start, which is always safe. Lock-free; fixed memory.
class hls_sequence_floor {
 public:
  /// The first sequence number for a new track of `key`, the wall clock reading `now`.
  uint64_t first_sequence(const std::string& key, std::chrono::system_clock::time_point now) const;
  /// A track of `key` ends (or goes on) with `next` as the number its next segment would get.
  void remember(const std::string& key, uint64_t next);

 private:
  static constexpr size_t slots = 4096;
  std::atomic<uint64_t>& slot(const std::string& key);
  const std::atomic<uint64_t>& slot(const std::string& key) const;
  std::array<std::atomic<uint64_t>, slots> next_{};
};

}  // namespace acepool::relay
