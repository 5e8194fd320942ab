#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/relay/stream_manager_handle.hpp"
#include "actors/relay/stream_relay.hpp"

namespace acepool::actors {

class actor_directory;

/// Spawns `stream_manager`: the map of stream key → stream_relay. A client for a key with no
/// relay starts one; every later client of the key joins it (one engine session per key, however
/// many clients arrive at once). Enforces MAX_CLIENTS, answers /ace/status and stops relays for
/// DELETE /streams/{id}.
stream_manager_handle spawn_stream_manager(caf::actor_system& sys, actor_directory& directory,
                                           relay_deps deps);

}  // namespace acepool::actors
