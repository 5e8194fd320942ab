#include "docker/container_cleanup.hpp"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "docker/swarm_docker_client.hpp"

namespace acepool::docker {

int remove_all_managed(const client_config& cfg, const std::pair<std::string, std::string>& label,
                       std::chrono::steady_clock::time_point deadline,
                       const std::optional<swarm_placement>& swarm) {
  auto budget = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(100));
  };
  // ORCHESTRATOR=swarm: the services go (removing their tasks' containers, Swarm would start
  // them again).
  auto client = [&]() -> std::unique_ptr<docker_client> {
    client_config c = cfg;
    c.call_timeout = budget();
    auto daemon = std::make_unique<curl_docker_client>(c);
    if (!swarm) return daemon;
    return std::make_unique<swarm_docker_client>(std::move(daemon), *swarm);
  };
  auto list = client()->list_containers({{"label", {label.first + "=" + label.second}}}, true);
  if (!list) return 0;
  std::atomic<int> removed{0};
  std::vector<std::thread> threads;
  for (const auto& container : *list) {
    threads.emplace_back([&, id = container.id] {
      if (client()->remove_container(id, true)) ++removed;
    });
  }
  for (auto& t : threads)
    t.join();
  return removed.load();
}

}  // namespace acepool::docker
