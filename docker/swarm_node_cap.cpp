#include "docker/swarm_node_cap.hpp"

namespace acepool::docker {

swarm_node_cap::decision swarm_node_cap::place(const std::vector<swarm_node>& nodes,
                                               const std::map<std::string, int>& engines_on) const {
  decision d;
  bool any_schedulable = false, schedulable_below_cap = false;
  for (const auto& n : nodes) {
    auto it = engines_on.find(n.id);
    bool full = cap_ > 0 && it != engines_on.end() && it->second >= cap_;
    if (full) d.exclusions.push_back("node.id!=" + n.id);
    if (n.schedulable()) {
      any_schedulable = true;
      schedulable_below_cap = schedulable_below_cap || !full;
    }
  }
  if (!any_schedulable) {
    d.room = false;
    d.why_not = "no suitable node: none of the swarm's " + std::to_string(nodes.size()) +
                " nodes takes new tasks (drained, paused or down)";
  } else if (!schedulable_below_cap) {
    d.room = false;
    d.why_not =
        "no suitable node: every node is at MAX_REPLICAS_PER_NODE (" + std::to_string(cap_) + ")";
  }
  return d;
}

}  // namespace acepool::docker
