#include "actors/pool/swarm_node_changes.hpp"

#include <algorithm>

namespace acepool::actors {

namespace {

const docker::swarm_node* node_with_id(const std::vector<docker::swarm_node>& nodes,
                                       const std::string& id) {
  auto it = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.id == id; });
  return it == nodes.end() ? nullptr : &*it;
}

}  // namespace

std::vector<docker::swarm_node> swarm_node_changes(
    const std::optional<std::vector<docker::swarm_node>>& before,
    const std::vector<docker::swarm_node>& after) {
  std::vector<docker::swarm_node> out;
  for (const auto& n : after) {
    if (!before) {
      if (!n.schedulable()) out.push_back(n);
      continue;
    }
    const auto* was = node_with_id(*before, n.id);
    if (was == nullptr || was->state != n.state || was->availability != n.availability)
      out.push_back(n);
  }
  if (before)
    for (const auto& n : *before)
      if (node_with_id(after, n.id) == nullptr) {
        auto gone = n;
        gone.state = "removed";
        out.push_back(std::move(gone));
      }
  return out;
}

}  // namespace acepool::actors
