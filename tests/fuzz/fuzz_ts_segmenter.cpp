// The HLS segmenter: any bytes (aligned to packets as the relay does) give segments of whole
// packets that begin with a PAT and stay within their bound; nothing crashes or grows.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "actors/relay/ts_packets.hpp"
#include "actors/relay/ts_segmenter.hpp"

using namespace acepool::relay;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t bound = 16 * ts_packet_size;
  ts_segmenter segmenter({std::chrono::milliseconds(1 + data[0] % 50), bound});
  ts_aligner aligner(data[1] & 1);
  for (size_t pos = 2; pos < size; pos += 97) {
    auto packets =
        aligner.feed(reinterpret_cast<const char*>(data + pos), std::min<size_t>(97, size - pos));
    if (data[pos] == 0xEE) segmenter.restart();
    for (const auto& s : segmenter.feed(packets.packets.data(), packets.packets.size())) {
      const auto& b = *s.bytes;
      if (b.empty() || b.size() % ts_packet_size != 0) std::abort();
      if (!is_pat_start(reinterpret_cast<const uint8_t*>(b.data()))) std::abort();
      // Cut at the next PAT past the bound, or at twice the bound, plus PAT and PMT in front.
      if (b.size() > 2 * bound + 3 * ts_packet_size) std::abort();
      if (s.duration_s < 0) std::abort();
    }
  }
  return 0;
}
