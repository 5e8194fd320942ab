#pragma once

#include <optional>
#include <vector>

#include "docker/docker_types.hpp"

namespace acepool::actors {

/// The swarm nodes worth announcing after a new listing `after`: those whose state or
/// availability differs from `before` (a node that joined counts as changed), and those gone
/// from the swarm (returned with state `removed`). On the first listing (`before` empty) only
/// the nodes that cannot take engines (down, drained, paused) are worth a word.
std::vector<docker::swarm_node> swarm_node_changes(
    const std::optional<std::vector<docker::swarm_node>>& before,
    const std::vector<docker::swarm_node>& after);

}  // namespace acepool::actors
