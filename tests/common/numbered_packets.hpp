#pragma once

#include <string>

#include "actors/relay/ts_packets.hpp"

namespace acepool::testing {

/// `n` TS packets whose byte after the sync byte numbers them (`first`.., modulo 256), so a test
/// can tell which packets a reader got.
inline std::string numbered_ts_packets(int first, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    std::string p(relay::ts_packet_size, '\0');
    p[0] = static_cast<char>(relay::ts_sync_byte);
    p[1] = static_cast<char>((first + i) & 0xFF);
    out += p;
  }
  return out;
}

}  // namespace acepool::testing
