#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"
#include "actors/pool/pool_manager_handle.hpp"
#include "actors/provisioning/provisioner_handle.hpp"

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// Spawns `pool_manager`: applies pool_policy's decisions (docs/behaviour.md §3) on registry
/// changes, every AUTOSCALE_INTERVAL_S, on /scale and /gc. It starts only after the docker_watcher
/// has adopted the existing engines, so a restart never creates engines it could adopt.
pool_manager_handle spawn_pool_manager(caf::actor_system& sys, actor_directory& directory,
                                       engine_registry_handle registry,
                                       provisioner_handle provisioner, caf::actor quick_pool,
                                       const config::settings& settings,
                                       published_state& published);

}  // namespace acepool::actors
