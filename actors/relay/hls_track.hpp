#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/relay/hls_sequence_floor.hpp"
#include "actors/relay/hls_window.hpp"
#include "actors/relay/ts_segmenter.hpp"

namespace acepool::relay {

/// Why a waiting HLS request is not served: the answer the relay's MPEG-TS clients get too.
struct hls_failure {
  int status = 502;
  std::string body;  ///< JSON with `detail`
  std::vector<std::pair<std::string, std::string>> headers;
};

/// How an hls_track cuts, keeps and counts.
struct hls_track_options {
  segmenter_options segments;
  size_t window = 6;          ///< HLS_WINDOW
  size_t max_viewers = 4096;  ///< MAX_CLIENTS; as many may wait for the first segment
  hls_start start;            ///< numbering, continued from the key's earlier tracks
};

/// One stream's HLS side: the segmenter fed by the relay's upstream (the same bytes its MPEG-TS
/// clients get), the window every HLS viewer reads, and who is watching. Viewers are known by
/// the id their requests carry and are gone 3 target durations after their last request.
/// Thread-safe: fed from the upstream reader, read from HTTP threads, counted by the relay
/// actor; callbacks run without the lock.
class hls_track {
 public:
  using clock = std::chrono::steady_clock;
  /// Told once: the window holds a segment (null), or why the stream failed first.
  using ready_callback = std::function<void(const hls_failure*)>;

  explicit hls_track(const hls_track_options& options);

  /// Upstream packets (whole 188-byte packets).
  void feed(const std::string& packets);
  /// A new upstream after a failover: the next segment is a discontinuity.
  void restart();

  /// What a request did to the viewers.
  enum class touch_result {
    refreshed,  ///< a viewer already counted
    added,      ///< a new viewer
    refused,    ///< a new viewer, but `max_viewers` watch already or it `may_add` not
  };
  /// A request of `viewer` at `now` (`may_add` false: MAX_CLIENTS reached across streams).
  touch_result touch(const std::string& viewer, clock::time_point now, bool may_add = true);
  /// Viewers whose last request is within 3 target durations (the playlist's, which a long GOP
  /// makes longer than HLS_SEGMENT_S) of `now`, or still waiting for
  /// its answer (a stream slow to start keeps its first viewer); the others are forgotten. A
  /// viewer whose waiting request was answered since the last call counts from `now`.
  size_t viewers(clock::time_point now);
  /// Whether `viewer` is counted now.
  bool knows(const std::string& viewer) const;

  /// Runs `ready(nullptr)` once a segment is held (at once when one is) for a request of
  /// `viewer`; false when `max_viewers` requests wait already (the caller answers 503).
  bool when_ready(const std::string& viewer, ready_callback ready);
  /// Answers every waiting request with `failure`: the stream ended before its first segment.
  void fail_waiting(const hls_failure& failure);

  /// The live playlist (empty before the first segment); `uri(sequence)` names each segment.
  std::string playlist(const std::function<std::string(uint64_t)>& uri) const;
  /// Segment `sequence`, or null when not (or no longer) held.
  std::shared_ptr<const std::string> segment(uint64_t sequence) const;

  /// Whether the stream is cut at PAT boundaries for want of keyframe markers, reported once:
  /// true the first time it is asked after the segmenter fell back.
  bool take_pat_fallback_notice();

  size_t segments() const;
  /// The sequence number the next segment gets.
  uint64_t next_sequence() const;
  /// Discontinuities so far (EXT-X-DISCONTINUITY-SEQUENCE plus the tags listed).
  uint64_t discontinuities() const;
  clock::duration target() const { return target_; }

 private:
  struct waiting_request {
    std::string viewer;
    ready_callback ready;
  };
  /// The waiting requests, once a segment is held (under the lock); their viewers count from
  /// the next viewers() call.
  std::vector<waiting_request> take_waiting_if_ready();
  std::vector<waiting_request> take_all_waiting();  // under the lock

  mutable std::mutex mutex_;
  ts_segmenter segmenter_;
  hls_window window_;
  clock::duration target_;
  size_t max_viewers_;
  std::vector<waiting_request> waiting_;
  std::map<std::string, clock::time_point> viewers_;
  std::vector<std::string> answered_;  // viewers whose waiting request was answered
  bool pat_notice_given_ = false;
};

}  // namespace acepool::relay
