#include "actors/relay/ts_packets.hpp"

namespace acepool::relay {

bool is_pat_start(const uint8_t* p) {
  uint16_t pid = static_cast<uint16_t>((p[1] & 0x1F) << 8) | p[2];
  return p[0] == ts_sync_byte && pid == 0 && (p[1] & 0x40) != 0;
}

std::string null_packets(size_t n) {
  std::string out(n * ts_packet_size, static_cast<char>(0xFF));
  for (size_t i = 0; i < n; ++i) {
    auto* p = reinterpret_cast<uint8_t*>(out.data()) + i * ts_packet_size;
    p[0] = ts_sync_byte;
    p[1] = 0x1F;  // PID 0x1FFF
    p[2] = 0xFF;
    p[3] = 0x10;  // payload only, continuity counter 0 (ignored for null packets)
  }
  return out;
}

ts_aligner::output ts_aligner::feed(const char* data, size_t n) {
  output out;
  // Usually nothing is pending and the new bytes are scanned where they are (one copy, out).
  std::string joined;
  if (!pending_.empty()) {
    joined = std::move(pending_);
    joined.append(data, n);
    data = joined.data();
    n = joined.size();
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(data);
  out.packets.reserve(n - n % ts_packet_size);
  size_t pos = 0;
  size_t run = 0;  // start of the run of packets not yet copied
  auto copy_run = [&] { out.packets.append(data + run, pos - run); };
  while (n - pos >= ts_packet_size) {
    if (bytes[pos] != ts_sync_byte) {
      copy_run();
      // Lost sync: the next 0x47 that has another one a packet later (or is the last we have).
      size_t next = pos + 1;
      while (next < n &&
             !(bytes[next] == ts_sync_byte &&
               (next + ts_packet_size >= n || bytes[next + ts_packet_size] == ts_sync_byte)))
        ++next;
      discarded_ += next - pos;
      pos = run = next;
      continue;
    }
    bool pat = is_pat_start(bytes + pos);
    if (waiting_for_pat_ && !pat) {
      copy_run();
      discarded_ += ts_packet_size;
      pos = run = pos + ts_packet_size;
      continue;
    }
    waiting_for_pat_ = false;
    if (pat) out.pat_offsets.push_back(out.packets.size() + (pos - run));
    pos += ts_packet_size;
  }
  copy_run();
  pending_.assign(data + pos, n - pos);
  return out;
}

}  // namespace acepool::relay
