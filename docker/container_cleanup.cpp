#include "docker/container_cleanup.hpp"

#include <atomic>
#include <thread>
#include <vector>

namespace acepool::docker {

int remove_all_managed(const client_config& cfg, const std::pair<std::string, std::string>& label,
                       std::chrono::steady_clock::time_point deadline) {
  auto budget = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(100));
  };
  client_config c = cfg;
  c.call_timeout = budget();
  curl_docker_client lister(c);
  auto list = lister.list_containers({{"label", {label.first + "=" + label.second}}}, true);
  if (!list) return 0;
  std::atomic<int> removed{0};
  std::vector<std::thread> threads;
  for (const auto& container : *list) {
    threads.emplace_back([&, id = container.id] {
      client_config mine = cfg;
      mine.call_timeout = budget();
      curl_docker_client client(mine);
      if (client.remove_container(id, true)) ++removed;
    });
  }
  for (auto& t : threads)
    t.join();
  return removed.load();
}

}  // namespace acepool::docker
