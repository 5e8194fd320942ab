#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/pool/engine_state.hpp"

namespace acepool::actors {

/// The settings the health rules apply (docs/configuration.md "Health and circuit breakers").
struct health_limits {
  int failure_threshold = 3;
  std::chrono::milliseconds startup_grace{30000};         ///< PROVISION_STARTUP_GRACE_S
  std::chrono::milliseconds unhealthy_grace{60000};       ///< HEALTH_UNHEALTHY_GRACE_PERIOD_S
  std::chrono::milliseconds replacement_cooldown{60000};  ///< HEALTH_REPLACEMENT_COOLDOWN_S
};

/// The health rules of docs/behaviour.md §4 as plain decisions (the health_prober applies them):
/// `unknown` until the first answer, `healthy` after one success, `unhealthy` after
/// `failure_threshold` consecutive failures, failures of engines younger than the startup grace
/// not counted; an engine unhealthy for the unhealthy grace is due for replacement, at most one
/// replacement starting per cooldown.
class health_tracker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit health_tracker(health_limits limits) : limits_(limits) {}

  /// The status after one probe and whether it changed.
  struct outcome {
    health_status status = health_status::unknown;
    bool changed = false;
  };
  /// Records a probe of `id` (started by acepool at `created`; none: an adopted or static engine,
  /// past any startup grace); `known` is the status the registry shows when the tracker has not
  /// seen the engine yet (e.g. healthy after provisioning).
  outcome record(const std::string& id, bool ok, health_status known,
                 std::optional<time_point> created, time_point now);

  /// Forgets engines that are no longer in the registry.
  void retain(const std::set<std::string>& present);

  /// Engines unhealthy for at least the unhealthy grace, longest first, among `replaceable`.
  std::vector<std::string> due(const std::set<std::string>& replaceable, time_point now) const;

  /// Whether the cooldown since the last replacement started has passed.
  bool may_start_replacement(time_point now) const;
  /// A replacement of an engine starts now (the cooldown counts from here).
  void replacement_started(time_point now) { last_replacement_ = now; }

  health_status status(const std::string& id) const;
  int consecutive_failures(const std::string& id) const;
  const health_limits& limits() const { return limits_; }

 private:
  struct entry {
    health_status status = health_status::unknown;
    int failures = 0;
    std::optional<time_point> unhealthy_since;
  };
  health_limits limits_;
  std::map<std::string, entry> engines_;
  std::optional<time_point> last_replacement_;
};

}  // namespace acepool::actors
