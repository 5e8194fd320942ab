#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"
#include "actors/pool/pool_manager_handle.hpp"
#include "actors/provisioning/provisioner_handle.hpp"
#include "docker/curl_docker_client.hpp"

namespace acepool::config {
struct settings;
}
namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// Who the watcher works with.
struct docker_watcher_deps {
  engine_registry_handle registry;
  provisioner_handle provisioner;
  pool_manager_handle pool_manager;
  caf::actor quick_pool, allocator;
  docker::client_config client;  ///< for the /events stream
  bool event_stream = true;      ///< false when Docker is a fake (component tests)
  published_state* published = nullptr;
  const config::settings* settings = nullptr;
  metrics::registry* metrics = nullptr;
};

/// Spawns `docker_watcher`: adoption at start (running managed engines kept with their ids and
/// ports, non-running managed containers removed), the Docker /events stream (a container that
/// dies or is removed by hand leaves the registry within a second, its ports are freed) and a full
/// reconciliation every MONITOR_INTERVAL_S. With Docker unreachable it retries with backoff and
/// adopts once the daemon answers.
caf::actor spawn_docker_watcher(caf::actor_system& sys, actor_directory& directory,
                                docker_watcher_deps deps);

}  // namespace acepool::actors
