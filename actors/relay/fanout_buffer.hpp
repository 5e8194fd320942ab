#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace acepool::relay {

/// A view of part of an immutable chunk (keeps the chunk alive).
struct buffer_slice {
  std::shared_ptr<const std::string> chunk;
  size_t offset = 0;
  size_t length = 0;
};

/// One stream's recent bytes: immutable chunks of whole TS packets addressed by absolute
/// position (bytes since the stream began), bounded to `capacity` bytes (the oldest chunks go
/// first, the newest always stays). Remembers where PATs start so a reader can begin where a
/// player decodes at once. Not thread-safe (stream_hub guards it).
class fanout_buffer {
 public:
  explicit fanout_buffer(size_t capacity) : capacity_(capacity) {}

  /// Appends a chunk (whole packets); `pat_offsets` are PAT starts within it.
  void append(std::shared_ptr<const std::string> chunk, const std::vector<size_t>& pat_offsets);

  /// Where a new reader starts: the newest PAT still held, else the live edge.
  uint64_t join_position() const;

  /// The slices from `pos` on, up to `max_bytes` (whole packets unless the chunk ends first), and
  /// the position after them. A `pos` older than the oldest byte held is moved to
  /// join_position() first (the reader fell behind) and `skipped` is set.
  struct read_result {
    std::vector<buffer_slice> slices;
    uint64_t next = 0;
    size_t bytes = 0;
    bool skipped = false;
  };
  read_result read(uint64_t pos, size_t max_bytes) const;

  /// Takeover: the bytes from `from` (raised to tail()) to head(), copied, and the PAT positions
  /// among them.
  std::string copy_from(uint64_t from) const;
  std::vector<uint64_t> pats_from(uint64_t from) const;
  /// Takeover: an empty buffer continues at position `pos`, so a stream keeps its positions.
  void start_at(uint64_t pos) {
    if (chunks_.empty()) head_ = pos;
  }

  uint64_t head() const { return head_; }  ///< position after the newest byte
  uint64_t tail() const { return chunks_.empty() ? head_ : chunks_.front().start; }
  size_t size() const { return static_cast<size_t>(head_ - tail()); }
  size_t capacity() const { return capacity_; }

 private:
  struct entry {
    uint64_t start;
    std::shared_ptr<const std::string> data;
  };
  size_t capacity_;
  uint64_t head_ = 0;
  std::deque<entry> chunks_;
  std::deque<uint64_t> pats_;
};

}  // namespace acepool::relay
