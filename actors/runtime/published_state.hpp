#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool/engine_record.hpp"
#include "actors/provisioning/breaker.hpp"
#include "actors/streams/stream_record.hpp"
#include "actors/vpn/vpn_state.hpp"
#include "support/live_feed.hpp"
#include "support/once_text.hpp"
#include "support/snapshot_cell.hpp"

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

/// The engines as the registry last published them (sorted by port); `version` is the ETag.
struct engines_snapshot {
  uint64_t version = 0;
  std::vector<engine_record> engines;
  int claims = 0;                             ///< provisioning operations holding capacity
  std::optional<std::string> advertise_host;  ///< ENGINE_ADVERTISE_HOST

  /// The /engines body, rendered by HTTP's first reader of this version (a burst of stream
  /// events publishes many versions nobody reads) and shared by every later one.
  support::once_text body;
};

/// The stream records as the registry last published them (latest stats included, history
/// not). Records and chunks are immutable and shared with the registry.
struct streams_snapshot {
  using record_ptr = std::shared_ptr<const stream_record>;
  uint64_t version = 0;
  std::vector<record_ptr> active;  ///< by start time
  std::vector<std::shared_ptr<const std::vector<record_ptr>>>
      ended;  ///< in chunks, in the order they ended
  size_t ended_count = 0;

  size_t total() const { return active.size() + ended_count; }
  /// The stream `id` (active ones are searched first), or null.
  const stream_record* find(const std::string& id) const;
  /// Calls `f(const stream_record&)` for every active stream, then every ended one.
  template <class F>
  void for_each(F f) const {
    for (const auto& s : active)
      f(*s);
    for (const auto& chunk : ended)
      for (const auto& s : *chunk)
        f(*s);
  }
};

inline const stream_record* streams_snapshot::find(const std::string& id) const {
  for (const auto& s : active)
    if (s->id == id) return s.get();
  for (const auto& chunk : ended)
    for (const auto& s : *chunk)
      if (s->id == id) return s.get();
  return nullptr;
}

/// The provisioner's load, for the provisioning headers and /orchestrator/status.
struct provisioning_snapshot {
  int limit = 0;      ///< MAX_CONCURRENT_PROVISIONS
  int in_flight = 0;  ///< operations holding a slot
  int queued = 0;
  std::optional<std::string> last_failure;  ///< "<code>: <message>"
  std::optional<std::chrono::system_clock::time_point> last_failure_at;
};

/// The health_prober's view, for /health/status and /orchestrator/status.
struct health_snapshot {
  int marked_for_replacement = 0;        ///< unhealthy past the grace period, or being replaced
  std::optional<std::string> replacing;  ///< the engine being replaced now
  uint64_t replacements_started = 0;
  uint64_t replacements_succeeded = 0;
  uint64_t replacements_failed = 0;
  std::optional<std::chrono::system_clock::time_point> last_replacement_at;
};

/// What the docker_watcher knows about the daemon.
struct docker_snapshot {
  bool reachable = false;
  bool adopted = false;  ///< the first full sync (adoption) has happened
  std::string detail = "not contacted yet";
  /// ORCHESTRATOR=swarm: the nodes as the last sync saw them; none in docker mode.
  std::optional<std::vector<docker::swarm_node>> nodes;
};

/// Snapshots the owning actors publish and HTTP handlers read with one atomic load each.
struct published_state {
  /// The breakers start as configured, before their owners publish.
  explicit published_state(const config::settings& settings);

  support::snapshot_cell<engines_snapshot> engines;
  support::snapshot_cell<streams_snapshot> streams;
  /// The breakers as their owners last published them (the provisioner's `general`, the
  /// health_prober's `replacement`); a breaker evaluates open → half_open on read, so a reader
  /// never sees a stale "open".
  support::snapshot_cell<breaker> general_breaker;
  support::snapshot_cell<breaker> replacement_breaker;
  support::snapshot_cell<provisioning_snapshot> provisioning;
  support::snapshot_cell<docker_snapshot> docker;
  support::snapshot_cell<health_snapshot> health;
  support::snapshot_cell<vpn_snapshot> vpn;
  /// Transitions as they happen (engines, streams, clients, provisioning, breakers, VPN), for
  /// GET /events/live; the actors announce() them.
  support::live_feed feed;
};

}  // namespace acepool::actors
