#pragma once

#include <map>
#include <string>
#include <vector>

#include "actors/pool/engine_record.hpp"

namespace acepool::actors {

/// What one swarm node carries of acepool's pool.
struct node_load {
  int engines = 0;
  int healthy_engines = 0;
  int streams = 0;
};

/// The engines, healthy engines and active streams on each swarm node (by the engines'
/// `acepool.swarm.node` label; engines without one, or restarting, are not counted).
std::map<std::string, node_load> load_by_node(const std::vector<engine_record>& engines);

}  // namespace acepool::actors
