#pragma once

#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"
#include "actors/provisioning/provisioner_handle.hpp"

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

/// Who the provisioner works with.
struct provisioner_deps {
  engine_registry_handle registry;
  caf::actor allocator;
  caf::actor quick_pool;                             ///< docker workers for quick calls
  caf::actor removal_pool;                           ///< docker workers for stop + delete
  std::vector<caf::actor> workers;                   ///< one provisioning docker worker per slot
  std::shared_ptr<support::async_http_client> http;  ///< engine readiness probes
  published_state* published = nullptr;
  const config::settings* settings = nullptr;
  metrics::registry* metrics = nullptr;
};

/// Spawns `provisioner`: the one path that creates and removes containers. It applies
/// ALLOWED_IMAGES, the general breaker (its own, published as `general_breaker`), MAX_REPLICAS
/// (through registry claims), the queue (PROVISION_QUEUE_MAX), MAX_CONCURRENT_PROVISIONS slots,
/// MIN_PROVISION_INTERVAL_S between starts, retries with backoff and the PROVISION_TIMEOUT_S
/// deadline, and answers only when the engine is ready (running and answering get_status) or the
/// operation is cleaned up.
provisioner_handle spawn_provisioner(caf::actor_system& sys, actor_directory& directory,
                                     provisioner_deps deps);

}  // namespace acepool::actors
