#pragma once
// Shared by connection.cpp and connection_deadlines.cpp only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "support/metrics_registry.hpp"

namespace acepool::http::connection_detail {

/// After the last answer of a connection that closes, what the client still sends (the body of
/// a refused request, pipelined requests) is read and dropped for a moment, so the close does
/// not turn into a reset that could destroy the answer before the client read it.
inline constexpr std::chrono::seconds linger_time{2};
inline constexpr size_t max_linger_bytes = 1 << 20;

/// Now as unix milliseconds.
inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Counts one on `c` (null: not counted).
inline void count(metrics::counter_metric* c) {
  if (c != nullptr) c->inc();
}

/// "2.5 s": a deadline as the 408 answers name it.
inline std::string seconds_text(std::chrono::milliseconds ms) {
  auto text = std::to_string(ms.count() / 1000);
  if (ms.count() % 1000 != 0) text += "." + std::to_string(ms.count() % 1000 / 100);
  return text + " s";
}

}  // namespace acepool::http::connection_detail
