#include "actors/relay/hls_window.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace acepool::relay {

hls_window::hls_window(size_t capacity, double target_s, hls_start start)
    : capacity_(std::max<size_t>(1, capacity)),
      target_s_(target_s),
      next_sequence_(start.sequence),
      discontinuity_sequence_(start.discontinuities) {}

uint64_t hls_window::discontinuities() const {
  auto listed = std::count_if(segments_.begin(), segments_.end(),
                              [](const held& h) { return h.segment.discontinuity; });
  return discontinuity_sequence_ + static_cast<uint64_t>(listed);
}

long long hls_window::target_duration_s() const {
  // Every EXTINF rounded to the nearest integer must not exceed it, and it must not change
  // (RFC 8216 §6.2.1): it only grows, when a longer segment comes.
  return static_cast<long long>(std::max(1.0, std::round(std::max(target_s_, longest_s_))));
}

void hls_window::add(ts_segment segment) {
  longest_s_ = std::max(longest_s_, segment.duration_s);
  segments_.push_back({next_sequence_++, std::move(segment)});
  while (segments_.size() > capacity_) {
    if (segments_.front().segment.discontinuity) ++discontinuity_sequence_;
    segments_.pop_front();
  }
}

std::shared_ptr<const std::string> hls_window::segment(uint64_t sequence) const {
  if (segments_.empty() || sequence < segments_.front().sequence) return nullptr;
  auto index = sequence - segments_.front().sequence;
  if (index >= segments_.size()) return nullptr;
  return segments_[index].segment.bytes;
}

std::string hls_window::playlist(const std::function<std::string(uint64_t)>& uri) const {
  if (segments_.empty()) return {};
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(target_duration_s()) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(segments_.front().sequence) + "\n";
  if (discontinuity_sequence_ > 0)
    out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence_) + "\n";
  char extinf[64];
  for (const auto& h : segments_) {
    // A tag stays while its segment is listed; when the segment leaves, the discontinuity
    // sequence counts it instead (RFC 8216 §6.2.2).
    if (h.segment.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    std::snprintf(extinf, sizeof extinf, "#EXTINF:%.3f,\n", h.segment.duration_s);
    out += extinf;
    out += uri(h.sequence) + "\n";
  }
  return out;
}

}  // namespace acepool::relay
