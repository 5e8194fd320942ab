#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"

namespace acepool::config {
struct settings;
}
namespace acepool::metrics {
class registry;
}
namespace acepool::store {
struct history;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// Spawns `engine_registry`: the owner of every engine record, of the capacity claims of
/// provisioning operations in flight (so MAX_REPLICAS is one check in one place) and of the
/// stream records with their stats history. It publishes the engines and streams snapshots on
/// every change, notifies subscribers (the pool manager) and sends changes to the store.
/// `restored` is what the database held at start (may be empty); `store` and `metrics` may be
/// null.
engine_registry_handle spawn_engine_registry(caf::actor_system& sys, actor_directory& directory,
                                             published_state& published,
                                             const config::settings& settings, caf::actor store,
                                             const store::history& restored,
                                             metrics::registry* metrics = nullptr);

}  // namespace acepool::actors
