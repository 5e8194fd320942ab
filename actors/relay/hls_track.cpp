#include "actors/relay/hls_track.hpp"

namespace acepool::relay {

hls_track::hls_track(const hls_track_options& options)
    : segmenter_(options.segments),
      window_(options.window, static_cast<double>(options.segments.target.count()) / 1000.0,
              options.first_sequence),
      target_(options.segments.target),
      max_viewers_(options.max_viewers) {}

std::vector<hls_track::ready_callback> hls_track::take_waiting_if_ready() {
  if (window_.size() == 0) return {};
  return std::move(waiting_);
}

void hls_track::feed(const std::string& packets) {
  std::vector<ready_callback> ready;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : segmenter_.feed(packets.data(), packets.size()))
      window_.add(std::move(s));
    ready = take_waiting_if_ready();
  }
  for (auto& r : ready)
    r(nullptr);
}

void hls_track::restart() {
  std::lock_guard lock(mutex_);
  segmenter_.restart();
}

bool hls_track::touch(const std::string& viewer, clock::time_point now, bool may_add) {
  std::lock_guard lock(mutex_);
  auto it = viewers_.find(viewer);
  if (it != viewers_.end()) {
    it->second = now;
    return true;
  }
  if (!may_add || viewers_.size() >= max_viewers_) return false;
  viewers_.emplace(viewer, now);
  return true;
}

size_t hls_track::viewers(clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (auto it = viewers_.begin(); it != viewers_.end();)
    it = now - it->second > 3 * target_ ? viewers_.erase(it) : std::next(it);
  return viewers_.size();
}

bool hls_track::when_ready(ready_callback ready) {
  {
    std::lock_guard lock(mutex_);
    if (window_.size() == 0) {
      if (waiting_.size() >= max_viewers_) return false;
      waiting_.push_back(std::move(ready));
      return true;
    }
  }
  ready(nullptr);
  return true;
}

void hls_track::fail_waiting(const hls_failure& failure) {
  std::vector<ready_callback> failed;
  {
    std::lock_guard lock(mutex_);
    failed = std::move(waiting_);
    waiting_.clear();
  }
  for (auto& r : failed)
    r(&failure);
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

}  // namespace acepool::relay
