#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/pool_manager_handle.hpp"

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

/// What the vpn_watcher talks to.
struct vpn_watcher_deps {
  caf::actor quick_pool;             ///< Docker inspect / restart of the Gluetun container
  pool_manager_handle pool_manager;  ///< told about reconnects, forwarded-port changes and restarts
  std::shared_ptr<support::async_http_client> http;
  published_state* published = nullptr;
  const config::settings* settings = nullptr;
  metrics::registry* metrics = nullptr;
};

/// Spawns `vpn_watcher` (docs/behaviour.md §6): every GLUETUN_HEALTH_CHECK_INTERVAL_S it inspects
/// the Gluetun container (state, health, published ports) and asks its control server, through the
/// published control port on ENGINE_HOST_ADDRESS, for the VPN status, the forwarded port and the
/// public IP (cached GLUETUN_PORT_CACHE_TTL_S). It publishes one vpn_snapshot with the single
/// definition of "connected", logs and counts transitions, and tells the pool_manager about a
/// reconnect, a forwarded-port change and a restart of the container. With
/// VPN_UNHEALTHY_RESTART_TIMEOUT_S it restarts Gluetun once per unhealthy period.
caf::actor spawn_vpn_watcher(caf::actor_system& sys, actor_directory& directory,
                             vpn_watcher_deps deps);

}  // namespace acepool::actors
