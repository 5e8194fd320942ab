#pragma once

#include <cstdint>
#include <functional>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

class actor_directory;

/// Says whether a host port can be bound right now (true = free); tests replace it.
using host_port_probe = std::function<bool(uint16_t)>;

/// A probe that tries to bind `address:port` (with SO_REUSEADDR, so TIME_WAIT does not count).
host_port_probe bind_probe(std::string address);

/// Spawns `port_allocator`: the owner of the port pools of docs/behaviour.md §2 (host, container
/// HTTP, container HTTPS, VPN window).
caf::actor spawn_port_allocator(caf::actor_system& sys, actor_directory& directory,
                                const config::settings& settings, host_port_probe probe);

}  // namespace acepool::actors
