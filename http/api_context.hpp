#pragma once

#include <chrono>
#include <memory>

#include <caf/actor.hpp>

#include "actors/pool/engine_registry_handle.hpp"
#include "actors/pool/pool_manager_handle.hpp"
#include "actors/provisioning/provisioner_handle.hpp"
#include "actors/relay/stream_manager_handle.hpp"

namespace caf {
class actor_system;
}
namespace acepool::actors {
class actor_directory;
struct published_state;
}  // namespace acepool::actors
namespace acepool::config {
struct loaded_settings;
}
namespace acepool::metrics {
class registry;
}

namespace acepool::http {

/// What the route handlers work with: the actor system, the named actors and the settings.
struct api_context {
  caf::actor_system* system = nullptr;
  std::shared_ptr<actors::actor_directory> directory;
  std::shared_ptr<const config::loaded_settings> config;
  metrics::registry* metrics = nullptr;
  caf::actor docker_quick;  ///< the pool of quick Docker workers
  actors::published_state* published = nullptr;
  actors::engine_registry_handle registry;
  actors::provisioner_handle provisioner;  ///< owns the general breaker
  actors::pool_manager_handle pool_manager;
  caf::actor health_prober;  ///< owns the replacement breaker
  caf::actor stats_collector;
  actors::stream_manager_handle streams;  ///< the relay

  /// API_REQUEST_TIMEOUT_S: how long an ordinary request may wait on the actors.
  std::chrono::milliseconds request_timeout() const;
  /// API_LONG_OPERATION_TIMEOUT_S: provisioning, scale, delete.
  std::chrono::milliseconds long_timeout() const;
};

}  // namespace acepool::http
