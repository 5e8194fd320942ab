#include "actors/relay/hls_sequence_floor.hpp"

#include <algorithm>
#include <functional>

namespace acepool::relay {

uint64_t hls_sequence_floor::first_sequence(const std::string& key,
                                            std::chrono::system_clock::time_point now) const {
  auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  auto by_clock = static_cast<uint64_t>(std::max<int64_t>(0, since_epoch.count() / 10));
  return std::max(by_clock, slot(key).load());
}

void hls_sequence_floor::remember(const std::string& key, uint64_t next) {
  auto& s = slot(key);
  uint64_t held = s.load();
  while (held < next && !s.compare_exchange_weak(held, next)) {
  }
}

std::atomic<uint64_t>& hls_sequence_floor::slot(const std::string& key) {
  return next_[std::hash<std::string>{}(key) % slots];
}

const std::atomic<uint64_t>& hls_sequence_floor::slot(const std::string& key) const {
  return next_[std::hash<std::string>{}(key) % slots];
}

}  // namespace acepool::relay
