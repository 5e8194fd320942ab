#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/breaker.hpp"
#include "actors/engine_record.hpp"
#include "support/snapshot_cell.hpp"

namespace acepool::actors {

/// The engines as the registry last published them (sorted by port) with the /engines body
/// pre-rendered; `version` is the ETag.
struct engines_snapshot {
  uint64_t version = 0;
  std::vector<engine_record> engines;
  std::string body = "[]";
  int claims = 0;  ///< provisioning operations holding capacity
};

/// Both breakers as the circuit_breaker actor last published them. The objects evaluate
/// open → half_open on read, so a reader never sees a stale "open".
struct breakers_snapshot {
  breaker general{5, std::chrono::minutes(5)};
  breaker replacement{3, std::chrono::minutes(3)};
};

/// The provisioner's load, for the provisioning headers and /orchestrator/status.
struct provisioning_snapshot {
  int limit = 0;      ///< MAX_CONCURRENT_PROVISIONS
  int in_flight = 0;  ///< operations holding a slot
  int queued = 0;
  std::optional<std::string> last_failure;  ///< "<code>: <message>"
  std::optional<std::chrono::system_clock::time_point> last_failure_at;
};

/// What the docker_watcher knows about the daemon.
struct docker_snapshot {
  bool reachable = false;
  bool adopted = false;  ///< the first full sync (adoption) has happened
  std::string detail = "not contacted yet";
};

/// Snapshots the owning actors publish and HTTP handlers read with one atomic load each.
struct published_state {
  support::snapshot_cell<engines_snapshot> engines;
  support::snapshot_cell<breakers_snapshot> breakers;
  support::snapshot_cell<provisioning_snapshot> provisioning;
  support::snapshot_cell<docker_snapshot> docker;
};

}  // namespace acepool::actors
