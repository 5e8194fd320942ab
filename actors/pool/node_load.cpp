#include "actors/pool/node_load.hpp"

#include "docker/swarm_json.hpp"

namespace acepool::actors {

std::map<std::string, node_load> load_by_node(const std::vector<engine_record>& engines) {
  std::map<std::string, node_load> out;
  for (const auto& e : engines) {
    auto it = e.labels.find(docker::label_swarm_node);
    // One Swarm is restarting runs nowhere yet.
    if (it == e.labels.end() || it->second.empty() || e.restarting) continue;
    auto& load = out[it->second];
    ++load.engines;
    if (e.health == health_status::healthy) ++load.healthy_engines;
    load.streams += static_cast<int>(e.streams.size());
  }
  return out;
}

}  // namespace acepool::actors
