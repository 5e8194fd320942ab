#pragma once

#include <map>
#include <string>
#include <vector>

#include "docker/docker_types.hpp"

namespace acepool::docker {

/// Where a new engine may go: nowhere when no node takes tasks; with MAX_REPLICAS_PER_NODE, not
/// to a node that already runs `cap` engines. The nodes at the cap are excluded by id
/// (`node.id!=...`), so Swarm still chooses among the others (the fewest tasks first) and may still
/// move the engine to any of them when its node is lost.
class swarm_node_cap {
 public:
  /// `cap` <= 0: no cap.
  explicit swarm_node_cap(int cap) : cap_(cap) {}

  /// What a new engine's service adds to its constraints.
  struct decision {
    std::vector<std::string> exclusions;  ///< `node.id!=<id>` for each node at the cap
    /// False when no node can take it: none takes tasks (drained, paused, down), or every one
    /// that does is at the cap.
    bool room = true;
    std::string why_not;  ///< when there is no room: Swarm's words ("no suitable node: ...")
  };

  /// `engines_on` counts the engines each node (by id) runs or is starting.
  decision place(const std::vector<swarm_node>& nodes,
                 const std::map<std::string, int>& engines_on) const;

 private:
  int cap_;
};

}  // namespace acepool::docker
