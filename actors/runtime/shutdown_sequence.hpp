#pragma once

#include <chrono>

#include <caf/actor_system.hpp>

namespace acepool::actors {

class actor_directory;

/// Stops every actor in the directory in an order that loses nothing: first everything except
/// the store (waiting for each to terminate, up to `deadline`), then the store once it has
/// written whatever they sent it. Returns after every actor of the system is done.
void stop_all_actors(caf::actor_system& sys, actor_directory& directory,
                     std::chrono::steady_clock::time_point deadline);

}  // namespace acepool::actors
