#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "docker/docker_client.hpp"

namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

class actor_directory;

/// The detached Docker workers, in the three pools of architecture.md: quick calls (list,
/// inspect, ping), provisioning (create/start/pull; one worker per provisioning slot, so a slow
/// start never waits behind another), and removals (stop + delete), so slow stops never starve
/// provisioning.
struct docker_workers {
  caf::actor quick;                      ///< round-robin pool
  std::vector<caf::actor> provisioning;  ///< addressed individually by the provisioner
  caf::actor removal;                    ///< round-robin pool
  std::vector<caf::actor> all;           ///< every worker
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);

  /// Aborts transfers in progress and sends every worker and pool an exit message.
  void shutdown();
};

/// Sizes of the pools.
struct docker_pool_sizes {
  size_t quick = 2;
  size_t provisioning = 5;  ///< >= MAX_CONCURRENT_PROVISIONS
  size_t removal = 3;
  /// Workers run on the scheduler instead of threads of their own: only for an in-memory
  /// Docker that never blocks (deterministic actor tests); a real client's calls block.
  bool scheduled = false;
};

/// Spawns the workers (detached actors registered as `docker_quick/1`, `docker_provision/1`, ...).
/// `make_client` is called once per worker, with the cancel flag the workers share.
docker_workers spawn_docker_workers(caf::actor_system& sys, actor_directory& directory,
                                    metrics::registry* metrics, docker_pool_sizes sizes,
                                    const std::function<std::unique_ptr<docker::docker_client>(
                                        std::shared_ptr<const std::atomic<bool>>)>& make_client);

}  // namespace acepool::actors
