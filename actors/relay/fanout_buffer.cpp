#include "actors/relay/fanout_buffer.hpp"

#include <algorithm>

#include "actors/relay/ts_packets.hpp"

namespace acepool::relay {

void fanout_buffer::append(std::shared_ptr<const std::string> chunk,
                           const std::vector<size_t>& pat_offsets) {
  if (!chunk || chunk->empty()) return;
  for (auto offset : pat_offsets)
    pats_.push_back(head_ + offset);
  auto start = head_;
  head_ += chunk->size();
  chunks_.push_back({start, std::move(chunk)});
  while (chunks_.size() > 1 && size() > capacity_)
    chunks_.pop_front();
  while (!pats_.empty() && pats_.front() < tail())
    pats_.pop_front();
}

uint64_t fanout_buffer::join_position() const {
  return pats_.empty() ? head_ : pats_.back();
}

// Swappable on purpose: a position and a byte budget; the fan-out tests read at both
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
fanout_buffer::read_result fanout_buffer::read(uint64_t pos, size_t max_bytes) const {
  read_result r;
  if (pos < tail()) {
    pos = join_position();
    r.skipped = true;
  }
  r.next = pos;
  if (pos >= head_) return r;
  // The chunk holding `pos`: chunks are ordered by start.
  auto it = std::upper_bound(chunks_.begin(), chunks_.end(), pos,
                             [](uint64_t p, const entry& e) { return p < e.start; });
  --it;
  size_t budget = std::max(max_bytes, ts_packet_size);
  for (; it != chunks_.end() && r.bytes < budget; ++it) {
    size_t offset = static_cast<size_t>(pos - it->start);
    size_t length = std::min(it->data->size() - offset, budget - r.bytes);
    if (length < it->data->size() - offset) length -= length % ts_packet_size;  // whole packets
    if (length == 0) break;
    r.slices.push_back({it->data, offset, length});
    r.bytes += length;
    pos += length;
  }
  r.next = pos;
  return r;
}

std::string fanout_buffer::copy_from(uint64_t from) const {
  std::string out;
  from = std::max(from, tail());
  if (from >= head_) return out;
  out.reserve(static_cast<size_t>(head_ - from));
  for (const auto& e : chunks_) {
    uint64_t end = e.start + e.data->size();
    if (end <= from) continue;
    auto offset = static_cast<size_t>(std::max(from, e.start) - e.start);
    out.append(*e.data, offset, std::string::npos);
  }
  return out;
}

std::vector<uint64_t> fanout_buffer::pats_from(uint64_t from) const {
  std::vector<uint64_t> out;
  for (auto p : pats_)
    if (p >= from) out.push_back(p);
  return out;
}

}  // namespace acepool::relay
