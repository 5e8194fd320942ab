// The relay's MPEG-TS alignment: any bytes in any split come out as whole, synced packets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "actors/relay/ts_packets.hpp"

using namespace acepool::relay;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 200;
  ts_aligner aligner(data[0] & 1);
  uint64_t in = 0, out = 0;
  for (size_t pos = 1; pos < size; pos += piece) {
    size_t n = std::min(piece, size - pos);
    in += n;
    auto o = aligner.feed(reinterpret_cast<const char*>(data + pos), n);
    if (o.packets.size() % 188 != 0) std::abort();
    for (size_t p = 0; p < o.packets.size(); p += 188)
      if (static_cast<uint8_t>(o.packets[p]) != 0x47) std::abort();
    for (auto at : o.pat_offsets)
      if (at % 188 != 0 || at >= o.packets.size() ||
          !is_pat_start(reinterpret_cast<const uint8_t*>(o.packets.data() + at)))
        std::abort();
    out += o.packets.size();
  }
  if (out + aligner.discarded() > in) std::abort();  // nothing invented
  return 0;
}
