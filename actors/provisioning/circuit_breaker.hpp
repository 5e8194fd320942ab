#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace acepool::config {
struct settings;
}
namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// Spawns `circuit_breaker`: the `general` (provisioning) and `replacement` (health replacement)
/// breakers of docs/behaviour.md §5, publishing a snapshot on every change.
caf::actor spawn_circuit_breaker(caf::actor_system& sys, actor_directory& directory,
                                 published_state& published, const config::settings& settings,
                                 metrics::registry* metrics);

}  // namespace acepool::actors
