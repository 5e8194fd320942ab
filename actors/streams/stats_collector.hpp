#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"

namespace acepool::config {
struct settings;
}
namespace acepool::metrics {
class registry;
}
namespace acepool::support {
class async_http_client;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// What the stats_collector talks to.
struct stats_collector_deps {
  engine_registry_handle registry;
  std::shared_ptr<support::async_http_client> http;
  published_state* published = nullptr;
  const config::settings* settings = nullptr;
  metrics::registry* metrics = nullptr;
};

/// Spawns `stats_collector` (docs/behaviour.md §7 "Stats"): every COLLECT_INTERVAL_S it polls the
/// `stat_url` of every active stream reported by event, concurrently on the async HTTP loop, and
/// hands snapshots to the registry. A session the engine no longer knows is stopped
/// (`command_url?method=stop`) and its stream ended with `stale_stream_detected`. It also stops
/// sessions for DELETE /streams/{id}.
caf::actor spawn_stats_collector(caf::actor_system& sys, actor_directory& directory,
                                 stats_collector_deps deps);

}  // namespace acepool::actors
