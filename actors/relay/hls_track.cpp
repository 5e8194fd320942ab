#include "actors/relay/hls_track.hpp"

#include <algorithm>

namespace acepool::relay {

hls_track::hls_track(const hls_track_options& options)
    : segmenter_(options.segments),
      window_(options.window, static_cast<double>(options.segments.target.count()) / 1000.0,
              options.start),
      target_(options.segments.target),
      max_viewers_(options.max_viewers) {
  // Another engine session than the key's last track: its first segment is a discontinuity.
  if (options.start.after_earlier) segmenter_.restart();
}

std::vector<hls_track::waiting_request> hls_track::take_all_waiting() {
  std::vector<waiting_request> out;
  out.swap(waiting_);
  for (const auto& w : out)
    answered_.push_back(w.viewer);
  return out;
}

std::vector<hls_track::waiting_request> hls_track::take_waiting_if_ready() {
  if (window_.size() == 0) return {};
  return take_all_waiting();
}

void hls_track::feed(const std::string& packets) {
  std::vector<waiting_request> ready;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : segmenter_.feed(packets.data(), packets.size()))
      window_.add(std::move(s));
    ready = take_waiting_if_ready();
  }
  for (auto& r : ready)
    r.ready(nullptr);
}

void hls_track::restart() {
  std::lock_guard lock(mutex_);
  segmenter_.restart();
}

hls_track::touch_result hls_track::touch(const std::string& viewer, clock::time_point now,
                                         bool may_add) {
  std::lock_guard lock(mutex_);
  auto it = viewers_.find(viewer);
  if (it != viewers_.end()) {
    it->second = now;
    return touch_result::refreshed;
  }
  if (!may_add || viewers_.size() >= max_viewers_) return touch_result::refused;
  viewers_.emplace(viewer, now);
  return touch_result::added;
}

size_t hls_track::viewers(clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (const auto& viewer : answered_)
    if (auto it = viewers_.find(viewer); it != viewers_.end()) it->second = now;
  answered_.clear();
  auto waiting = [this](const std::string& viewer) {
    return std::any_of(waiting_.begin(), waiting_.end(),
                       [&](const waiting_request& w) { return w.viewer == viewer; });
  };
  auto target =
      std::max<clock::duration>(target_, std::chrono::seconds(window_.target_duration_s()));
  for (auto it = viewers_.begin(); it != viewers_.end();)
    it = now - it->second > 3 * target && !waiting(it->first) ? viewers_.erase(it) : std::next(it);
  return viewers_.size();
}

bool hls_track::knows(const std::string& viewer) const {
  std::lock_guard lock(mutex_);
  return viewers_.count(viewer) > 0;
}

bool hls_track::when_ready(const std::string& viewer, ready_callback ready) {
  {
    std::lock_guard lock(mutex_);
    if (window_.size() == 0) {
      if (waiting_.size() >= max_viewers_) return false;
      waiting_.push_back({viewer, std::move(ready)});
      return true;
    }
  }
  ready(nullptr);
  return true;
}

void hls_track::fail_waiting(const hls_failure& failure) {
  std::vector<waiting_request> failed;
  {
    std::lock_guard lock(mutex_);
    failed = take_all_waiting();
  }
  for (auto& r : failed)
    r.ready(&failure);
}

std::string hls_track::playlist(const std::function<std::string(uint64_t)>& uri) const {
  std::lock_guard lock(mutex_);
  return window_.playlist(uri);
}

std::shared_ptr<const std::string> hls_track::segment(uint64_t sequence) const {
  std::lock_guard lock(mutex_);
  return window_.segment(sequence);
}

bool hls_track::take_pat_fallback_notice() {
  std::lock_guard lock(mutex_);
  if (pat_notice_given_ || !segmenter_.cutting_at_pat()) return false;
  pat_notice_given_ = true;
  return true;
}

size_t hls_track::segments() const {
  std::lock_guard lock(mutex_);
  return window_.size();
}

uint64_t hls_track::next_sequence() const {
  std::lock_guard lock(mutex_);
  return window_.next_sequence();
}

uint64_t hls_track::discontinuities() const {
  std::lock_guard lock(mutex_);
  return window_.discontinuities();
}

}  // namespace acepool::relay
