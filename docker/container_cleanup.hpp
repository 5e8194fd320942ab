#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "docker/curl_docker_client.hpp"
#include "docker/swarm_json.hpp"

namespace acepool::docker {

/// `--cleanup-on-exit`: force-deletes every container carrying `label`, all at once (one thread
/// and client each), giving up at `deadline` (with `swarm`: the services). Returns how many were
/// removed.
int remove_all_managed(const client_config& cfg, const std::pair<std::string, std::string>& label,
                       std::chrono::steady_clock::time_point deadline,
                       const std::optional<swarm_placement>& swarm = std::nullopt);

}  // namespace acepool::docker
