#pragma once

#include <atomic>
#include <memory>

namespace acepool::support {

/// Holds the latest immutable snapshot of some state. One owner publishes, any thread reads
/// with one atomic load; readers keep the snapshot alive as long as they hold the pointer.
template <class T>
class snapshot_cell {
 public:
  snapshot_cell() : value_(std::make_shared<const T>()) {}
  explicit snapshot_cell(T initial) : value_(std::make_shared<const T>(std::move(initial))) {}

  /// Replaces the current snapshot.
  void publish(T next) { std::atomic_store(&value_, std::make_shared<const T>(std::move(next))); }

  /// The current snapshot (never null).
  std::shared_ptr<const T> load() const { return std::atomic_load(&value_); }

 private:
  std::shared_ptr<const T> value_;
};

}  // namespace acepool::support
