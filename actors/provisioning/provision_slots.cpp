#include "actors/provisioning/provision_slots.hpp"

#include <algorithm>

namespace acepool::actors {

bool provision_slots::admits(size_t admitted, int queue_max) const {
  return static_cast<long>(admitted) < static_cast<long>(slots_.size()) + queue_max;
}

void provision_slots::forget(uint64_t id) {
  queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end());
}

std::vector<std::pair<size_t, uint64_t>> provision_slots::start_waiting() {
  std::vector<std::pair<size_t, uint64_t>> started;
  for (size_t slot = 0; slot < slots_.size() && !queue_.empty(); ++slot) {
    if (slots_[slot]) continue;
    slots_[slot] = queue_.front();
    queue_.pop_front();
    started.emplace_back(slot, *slots_[slot]);
  }
  return started;
}

void provision_slots::release(size_t slot) {
  if (slot < slots_.size()) slots_[slot].reset();
}

int provision_slots::running() const {
  return static_cast<int>(
      std::count_if(slots_.begin(), slots_.end(), [](const auto& s) { return s.has_value(); }));
}

}  // namespace acepool::actors
