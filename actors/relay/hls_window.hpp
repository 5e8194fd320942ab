#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "actors/relay/hls_sequence_floor.hpp"
#include "actors/relay/ts_segmenter.hpp"

namespace acepool::relay {

/// The live HLS window of one stream: the newest HLS_WINDOW segments, numbered by a media
/// sequence that keeps counting across failovers, and the playlist that lists them. Shared by
/// every HLS viewer of the stream. Not thread-safe (its owner guards it).
class hls_window {
 public:
  /// `capacity` segments (at least 1) of about `target_s` seconds each, numbered from
  /// `start.sequence`, with `start.discontinuities` discontinuities before the first.
  hls_window(size_t capacity, double target_s, hls_start start = {});

  /// Adds the newest segment; the oldest goes when the window is full.
  void add(ts_segment segment);

  /// The segment numbered `sequence`, or null when it is not (or no longer) held.
  std::shared_ptr<const std::string> segment(uint64_t sequence) const;

  /// A live media playlist of the held segments (RFC 8216, version 3); `uri(sequence)` names
  /// each segment. Empty when no segment is held yet.
  std::string playlist(const std::function<std::string(uint64_t)>& uri) const;

  size_t size() const { return segments_.size(); }
  /// The sequence number the next segment gets.
  uint64_t next_sequence() const { return next_sequence_; }
  /// Discontinuities so far: those that left the window and the tags it lists.
  uint64_t discontinuities() const;
  /// EXT-X-TARGETDURATION in seconds: the target, or the longest segment yet when longer,
  /// rounded; never shrinks.
  long long target_duration_s() const;

 private:
  struct held {
    uint64_t sequence;
    ts_segment segment;
  };
  size_t capacity_;
  double target_s_;
  double longest_s_ = 0;  // the longest segment ever added
  std::deque<held> segments_;
  uint64_t next_sequence_ = 0;
  uint64_t discontinuity_sequence_ = 0;  // discontinuities that left the window
};

}  // namespace acepool::relay
