#pragma once

#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "actors/provisioning/docker_worker.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/actor_system_setup.hpp"
#include "config/env_source.hpp"
#include "config/settings_loader.hpp"
#include "http/api_context.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/metrics_registry.hpp"
#include "tests/common/fake_docker.hpp"

namespace acepool::testing {

/// CAF configured as in production (sharing scheduler, 2 workers).
struct production_config : caf::actor_system_config {
  production_config() { actors::configure_actor_system(*this); }
};

/// The API served on 127.0.0.1 port 0 with a real actor system and a fake Docker daemon, for
/// component tests. `env` are the settings variables; `customize` may add actors or routes.
class api_server {
 public:
  using customizer = std::function<void(api_server&, http::router&)>;

  explicit api_server(config::env_map env, customizer customize = {}, size_t io_threads = 2);
  ~api_server();

  /// `http://127.0.0.1:<port><path>`.
  std::string url(const std::string& path) const;

  production_config cfg;
  caf::actor_system sys;
  metrics::registry metrics;
  std::shared_ptr<actors::actor_directory> directory = std::make_shared<actors::actor_directory>();
  std::shared_ptr<const config::loaded_settings> settings;
  std::shared_ptr<fake_docker> docker = std::make_shared<fake_docker>();
  actors::docker_workers workers;
  http::api_context context;
  std::unique_ptr<http::http_server> server;
};

}  // namespace acepool::testing
