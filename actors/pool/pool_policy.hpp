#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool/engine_state.hpp"

namespace acepool::actors {

/// One managed engine as the sizing policy sees it.
struct sizing_engine {
  std::string id;
  engine_state state = engine_state::running;
  health_status health = health_status::unknown;
  int streams = 0;
  /// When it last became idle (no streams); for a busy engine the value is ignored.
  std::chrono::steady_clock::time_point idle_since{};
};

/// The pool: managed engines (static engines excluded) and provisioning operations in flight.
struct sizing_view {
  std::vector<sizing_engine> engines;
  int provisioning = 0;
};

/// The settings the policy applies (docs/configuration.md "Pool").
struct sizing_limits {
  int min_replicas = 1;
  int min_free_replicas = 1;
  int max_replicas = 20;
  bool auto_delete = false;
  std::chrono::milliseconds grace{30000};
  std::chrono::milliseconds idle_ttl{600000};
};

/// docs/behaviour.md §3 counts: total = engines not stopping + operations in flight (so the cap
/// holds while engines boot); free = idle, not unhealthy engines that are running or starting, plus
/// operations in flight (so the pool does not provision again while an engine boots); busy =
/// engines with at least one stream.
struct pool_counts {
  int total = 0;
  int free = 0;
  int busy = 0;
};
pool_counts count(const sizing_view& v);

/// What to do now: start `provision` engines, or remove the listed idle engines.
struct sizing_decision {
  int provision = 0;
  std::vector<std::string> remove;
  bool empty() const { return provision == 0 && remove.empty(); }
};

/// The sizing rules of docs/behaviour.md §3 as plain decisions; the pool manager only applies them.
class pool_policy {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit pool_policy(sizing_limits limits) : limits_(limits) {}

  /// The effective /scale target: max(MIN_REPLICAS, n, busy + MIN_FREE_REPLICAS), capped at
  /// MAX_REPLICAS, so draining never fights the free-engine floor.
  int effective_target(int requested, const sizing_view& v) const;

  /// Reconciliation at start, on events and every AUTOSCALE_INTERVAL_S: provision up to the
  /// floors (MIN_REPLICAS, MIN_FREE_REPLICAS, the scale target) within MAX_REPLICAS; otherwise
  /// remove idle engines above the floors — with AUTO_DELETE those idle ≥ ENGINE_GRACE_PERIOD_S,
  /// and any idle ones while the pool is above the scale target. Never an engine with streams.
  sizing_decision reconcile(const sizing_view& v, std::optional<int> scale_target,
                            time_point now) const;

  /// POST /gc: idle engines above the floors whose idle time ≥ IDLE_TTL_S.
  std::vector<std::string> gc(const sizing_view& v, std::optional<int> scale_target,
                              time_point now) const;

  const sizing_limits& limits() const { return limits_; }

 private:
  template <class Wanted>
  std::vector<std::string> removable(const sizing_view& v, std::optional<int> scale_target,
                                     Wanted wanted) const;

  sizing_limits limits_;
};

}  // namespace acepool::actors
