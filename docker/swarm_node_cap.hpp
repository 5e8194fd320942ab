#pragma once

#include <map>
#include <string>
#include <vector>

#include "docker/docker_types.hpp"

namespace acepool::docker {

/// MAX_REPLICAS_PER_NODE as Swarm placement constraints: a new engine may not go to a node that
/// already runs `cap` engines. The nodes at the cap are excluded by id (`node.id!=...`), so Swarm
/// still chooses among the others (the fewest tasks first) and may still move the engine to any
/// of them when its node is lost.
class swarm_node_cap {
 public:
  /// `cap` <= 0: no cap.
  explicit swarm_node_cap(int cap) : cap_(cap) {}

  /// What a new engine's service adds to its constraints.
  struct decision {
    std::vector<std::string> exclusions;  ///< `node.id!=<id>` for each node at the cap
    /// False when every node Swarm could place a task on is at the cap: there is no room.
    bool room = true;
  };

  /// `engines_on` counts the engines each node (by id) runs or is starting.
  decision place(const std::vector<swarm_node>& nodes,
                 const std::map<std::string, int>& engines_on) const;

  /// "every node is at MAX_REPLICAS_PER_NODE (N)", for the error a full swarm answers.
  std::string full_message() const;

 private:
  int cap_;
};

}  // namespace acepool::docker
