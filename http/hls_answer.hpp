#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/relay/relay_types.hpp"
#include "http/responder.hpp"

namespace acepool::http {

/// An HLS request's answer on its exchange, from the stream's HLS track: the live playlist
/// (GET /ace/manifest.m3u8) or one segment (GET /ace/segment.ts).
class hls_answer final : public actors::hls_reply {
 public:
  /// The playlist; each segment URI is `<segment_query>&seq=<n>` (`segment_query` holds the
  /// path relative to the playlist's own URL, e.g. `segment.ts?id=...&v=...`).
  static std::shared_ptr<hls_answer> playlist(std::shared_ptr<exchange> ex,
                                              std::string segment_query);
  /// Segment `sequence`.
  static std::shared_ptr<hls_answer> segment(std::shared_ptr<exchange> ex, uint64_t sequence);

  void ready(std::shared_ptr<relay::hls_track> track) override;
  void fail(const relay::hls_failure& failure) override;

 private:
  hls_answer(std::shared_ptr<exchange> ex, std::string segment_query, uint64_t sequence,
             bool is_segment);

  std::shared_ptr<exchange> ex_;
  std::string segment_query_;
  uint64_t sequence_;
  bool is_segment_;
};

/// Media type of an HLS playlist (RFC 8216).
inline constexpr const char* hls_playlist_type = "application/vnd.apple.mpegurl";

}  // namespace acepool::http
