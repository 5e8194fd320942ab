#pragma once

#include <chrono>
#include <memory>

#include <caf/actor.hpp>

namespace caf {
class actor_system;
}
namespace acepool::actors {
class actor_directory;
}
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

  /// API_REQUEST_TIMEOUT_S: how long an ordinary request may wait on the actors.
  std::chrono::milliseconds request_timeout() const;
};

}  // namespace acepool::http
