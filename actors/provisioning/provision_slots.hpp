#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace acepool::actors {

/// The provisioner's concurrency: MAX_CONCURRENT_PROVISIONS slots and a FIFO of operations
/// waiting for one (docs/behaviour.md §3). Operations are numbers; the provisioner owns them.
class provision_slots {
 public:
  /// `slots` operations may run at once.
  explicit provision_slots(size_t slots) : slots_(slots) {}

  /// Whether one more operation may be admitted when `admitted` already are (running, queued or
  /// still being admitted) and at most `queue_max` may wait: API calls beyond are rate limited.
  bool admits(size_t admitted, int queue_max) const;

  /// Puts an operation at the end of the queue.
  void enqueue(uint64_t id) { queue_.push_back(id); }
  /// Takes an operation out of the queue (its deadline passed while it waited).
  void forget(uint64_t id);
  /// Gives free slots to waiting operations, oldest first; the (slot, operation) pairs to start.
  std::vector<std::pair<size_t, uint64_t>> start_waiting();
  /// Frees a slot.
  void release(size_t slot);

  size_t limit() const { return slots_.size(); }
  int running() const;
  int queued() const { return static_cast<int>(queue_.size()); }

 private:
  std::vector<std::optional<uint64_t>> slots_;
  std::deque<uint64_t> queue_;
};

}  // namespace acepool::actors
