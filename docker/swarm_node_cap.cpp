#include "docker/swarm_node_cap.hpp"

namespace acepool::docker {

swarm_node_cap::decision swarm_node_cap::place(const std::vector<swarm_node>& nodes,
                                               const std::map<std::string, int>& engines_on) const {
  decision d;
  if (cap_ <= 0) return d;
  bool schedulable_below_cap = false, any_schedulable = false;
  for (const auto& n : nodes) {
    auto it = engines_on.find(n.id);
    bool full = it != engines_on.end() && it->second >= cap_;
    if (full) d.exclusions.push_back("node.id!=" + n.id);
    if (n.schedulable()) {
      any_schedulable = true;
      schedulable_below_cap = schedulable_below_cap || !full;
    }
  }
  // Without any node to place on, Swarm's own answer ("no suitable node") says why.
  d.room = !any_schedulable || schedulable_below_cap;
  return d;
}

std::string swarm_node_cap::full_message() const {
  return "no suitable node: every node is at MAX_REPLICAS_PER_NODE (" + std::to_string(cap_) + ")";
}

}  // namespace acepool::docker
