#pragma once

#include <atomic>
#include <functional>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"
#include "actors/pool/pool_manager_handle.hpp"
#include "actors/provisioning/docker_worker.hpp"
#include "actors/provisioning/port_allocator.hpp"
#include "actors/provisioning/provisioner_handle.hpp"
#include "actors/relay/stream_manager_handle.hpp"
#include "actors/store/database.hpp"
#include "actors/store/store.hpp"
#include "docker/curl_docker_client.hpp"

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

/// How the pool actors reach Docker and the engines.
struct pool_options {
  /// Makes one Docker client per worker (libcurl in production, a fake in component tests).
  std::function<std::unique_ptr<docker::docker_client>(std::shared_ptr<const std::atomic<bool>>)>
      make_client;
  docker::client_config events;  ///< where the /events stream connects
  bool event_stream = true;      ///< off when the daemon is a fake
  host_port_probe probe;         ///< OS check of host ports (bind_probe in production)
  /// The open database (see store::database::open) and what it held; null: nothing is stored.
  std::shared_ptr<store::database> database;
  store::history restored;
};

/// The running engine pool: Docker workers, the async engine HTTP client and the actors of
/// architecture.md (store, engine_registry, port_allocator, provisioner,
/// pool_manager, docker_watcher, health_prober, stats_collector, stream_manager), all registered in
/// the directory.
struct pool_actors {
  docker_workers workers;
  std::shared_ptr<support::async_http_client> http, relay_http;
  engine_registry_handle registry;
  provisioner_handle provisioner;
  pool_manager_handle pool_manager;
  caf::actor store, allocator, watcher, health, stats, vpn;
  stream_manager_handle streams;

  /// Aborts Docker transfers and engine HTTP in flight; the caller then exits every actor in
  /// the directory and waits for them.
  void shutdown();
};

/// Spawns the pool in dependency order.
pool_actors spawn_pool_actors(caf::actor_system& sys, actor_directory& directory,
                              published_state& published, const config::settings& settings,
                              metrics::registry* metrics, const pool_options& options);

}  // namespace acepool::actors
