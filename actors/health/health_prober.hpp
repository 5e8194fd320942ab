#pragma once

#include <memory>

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

/// What the health_prober talks to.
struct health_prober_deps {
  engine_registry_handle registry;
  provisioner_handle provisioner;
  std::shared_ptr<support::async_http_client> http;
  published_state* published = nullptr;
  const config::settings* settings = nullptr;
  metrics::registry* metrics = nullptr;
};

/// Spawns `health_prober`, the one health component (docs/behaviour.md §4): every
/// HEALTH_CHECK_INTERVAL_S it probes every engine (managed and static) concurrently on the async
/// HTTP loop, so a hung engine delays nobody; it applies health_tracker's rules, reports
/// statuses to the registry, and replaces managed engines unhealthy for
/// HEALTH_UNHEALTHY_GRACE_PERIOD_S (new engine first, then the old one removed), one per
/// HEALTH_REPLACEMENT_COOLDOWN_S, under the replacement circuit breaker (its own, published as
/// `replacement_breaker`).
caf::actor spawn_health_prober(caf::actor_system& sys, actor_directory& directory,
                               health_prober_deps deps);

}  // namespace acepool::actors
