#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "docker/curl_docker_client.hpp"

namespace acepool::docker {

/// `--cleanup-on-exit`: force-deletes every container carrying `label`, all at once (one thread
/// and client each), giving up at `deadline`. Returns how many were removed.
int remove_all_managed(const client_config& cfg, const std::pair<std::string, std::string>& label,
                       std::chrono::steady_clock::time_point deadline);

}  // namespace acepool::docker
