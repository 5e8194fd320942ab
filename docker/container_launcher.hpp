#pragma once

#include <string>

#include "docker/docker_client.hpp"

namespace acepool::docker {

/// Creates and starts a container. When the start fails (e.g. `port_in_use`: Docker fails a
/// host-port clash on start, not create) the created container is force-removed, so no
/// half-created container is left behind. Returns the id.
result<std::string> create_and_start(docker_client& client, const container_spec& spec);

}  // namespace acepool::docker
