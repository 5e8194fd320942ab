#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/settings.hpp"

namespace acepool::actors {

/// The ports of one range, each free, reserved for an operation in flight, bound to a
/// container, or quarantined (the OS said another process holds it). Every change names the
/// owner, and only the owner can release: a port is never handed out twice and a late release
/// from a failed operation never frees a port that moved on (docs/behaviour.md §2).
class port_pool {
 public:
  using clock = std::chrono::steady_clock;
  /// Says whether a port can be bound on the host right now (true = free).
  using os_probe = std::function<bool(uint16_t)>;

  enum class port_state { free, reserved, bound, quarantined };

  explicit port_pool(config::port_range range,
                     std::chrono::milliseconds quarantine = std::chrono::minutes(1));

  /// Reserves the next usable port after the cursor (round robin) for `owner`. Ports the probe
  /// reports busy are quarantined and skipped. Nothing when the range is exhausted.
  std::optional<uint16_t> reserve(const std::string& owner, clock::time_point now,
                                  const os_probe& probe = {});

  /// Reserves a specific port; false when it is outside the range or not free.
  bool reserve_port(uint16_t port, const std::string& owner, clock::time_point now,
                    const os_probe& probe = {});

  /// Reserved by `reservation_owner` → bound to `container`. False when not reserved by that owner.
  bool bind(uint16_t port, const std::string& reservation_owner, const std::string& container,
            clock::time_point now = clock::now());

  /// Frees the port if `owner` holds it (reserved or bound); false otherwise.
  bool release(uint16_t port, const std::string& owner);

  /// Frees every port held by `owner`; returns them.
  std::vector<uint16_t> release_owner(const std::string& owner);

  /// Marks a port busy at the OS level (e.g. Docker's start said "address already in use"),
  /// taking it from `owner`; it is skipped until the quarantine ends.
  void quarantine(uint16_t port, const std::string& owner, clock::time_point now);

  /// Rebuilds the bound set from what Docker said at `listed_at` (`port` → container): ports
  /// bound to other containers are freed, the given ones bound; reservations in flight are kept,
  /// and so is every port that changed after `listed_at` (the list is older than that change).
  void rebuild(const std::map<uint16_t, std::string>& bound, clock::time_point listed_at,
               clock::time_point now);

  bool contains(uint16_t port) const { return range_.contains(port); }
  port_state state_of(uint16_t port, clock::time_point now) const;
  /// The owner of a reserved or bound port.
  std::optional<std::string> owner_of(uint16_t port) const;
  /// The ports `owner` holds (reserved or bound).
  std::vector<uint16_t> ports_of(const std::string& owner) const;
  size_t size() const { return range_.size(); }
  size_t count(port_state s, clock::time_point now) const;
  const config::port_range& range() const { return range_; }

  /// Used sets and the cursor, for /debug/actors/port_allocator.
  nlohmann::json to_json(clock::time_point now) const;

 private:
  struct entry {
    port_state state = port_state::free;
    std::string owner;
    clock::time_point quarantined_until{};
    clock::time_point changed{};  ///< when it got its current state
  };
  bool usable(uint16_t port, clock::time_point now);

  config::port_range range_;
  std::chrono::milliseconds quarantine_;
  std::map<uint16_t, entry> used_;  // ports that are not plainly free
  uint16_t cursor_;
};

}  // namespace acepool::actors
