#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// Spawns `engine_registry`: the owner of every engine record and of the capacity claims of
/// provisioning operations in flight (so MAX_REPLICAS is one check in one place). It publishes
/// the engines snapshot behind GET /engines on every change and notifies subscribers.
caf::actor spawn_engine_registry(caf::actor_system& sys, actor_directory& directory,
                                 published_state& published, const config::settings& settings);

}  // namespace acepool::actors
