#include "actors/relay/hls_sequence_floor.hpp"

#include <algorithm>
#include <functional>

namespace acepool::relay {

namespace {

void raise_to(std::atomic<uint64_t>& value, uint64_t at_least) {
  uint64_t held = value.load();
  while (held < at_least && !value.compare_exchange_weak(held, at_least)) {
  }
}

}  // namespace

size_t hls_sequence_floor::index(const std::string& key) {
  return std::hash<std::string>{}(key) % slots;
}

hls_start hls_sequence_floor::start(const std::string& key,
                                    std::chrono::system_clock::time_point now) const {
  const auto& s = slots_[index(key)];
  auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  auto by_clock = static_cast<uint64_t>(std::max<int64_t>(0, since_epoch.count()));
  auto earlier = s.next.load();
  hls_start out;
  out.sequence = std::max(by_clock, earlier);
  out.after_earlier = earlier > 0;
  out.discontinuities = s.discontinuities.load();
  return out;
}

void hls_sequence_floor::remember(const std::string& key, uint64_t next, uint64_t discontinuities) {
  auto& s = slots_[index(key)];
  raise_to(s.discontinuities, discontinuities);
  raise_to(s.next, next);
}

}  // namespace acepool::relay
