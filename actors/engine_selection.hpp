#pragma once

#include <map>
#include <string>
#include <vector>

#include "actors/engine_record.hpp"

namespace acepool::actors {

/// Picks the engine for a new stream session (behaviour.md §7): running or static, not
/// unhealthy, not in `excluded`, with fewer than `max_streams` streams counting `reserved`
/// sessions being opened; ordered healthy before unknown, fewer streams, forwarded, least
/// recently used. `preferred` wins when it qualifies (the engine just provisioned for the
/// caller). Null when none qualifies.
const engine_record* select_engine(const std::vector<const engine_record*>& engines,
                                   const std::map<std::string, int>& reserved, int max_streams,
                                   const std::string& preferred,
                                   const std::vector<std::string>& excluded);

}  // namespace acepool::actors
