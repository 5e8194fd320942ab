#pragma once

#include <map>
#include <string>
#include <vector>

#include "actors/pool/engine_record.hpp"

namespace acepool::actors {

/// What a relay asks of the engine for its next session.
struct engine_wishes {
  /// Taken when it qualifies: the engine just provisioned for the caller, or the session's own
  /// engine after a loss that was the session's, not the engine's (unknown playback session).
  std::string preferred;
  /// Never taken: being removed, unhealthy, or it could not start the content.
  std::vector<std::string> excluded;
  /// Taken only when nothing else qualifies: the engine whose connection just broke. It may be
  /// dead without anyone knowing yet (Docker's event or the next probe comes later), so going
  /// back to it first would spend a failover attempt on a corpse.
  std::vector<std::string> avoided;
  /// Swarm mode: the node acepool runs on. Between engines of equal load and health, one there
  /// wins: the stream's bytes then never cross the network twice.
  std::string local_node;
};

/// Picks the engine for a new stream session (docs/behaviour.md §7): running or
/// static, not unhealthy, not restarting (swarm mode), not excluded, with a load (`load`: its
/// streams plus the sessions being opened on it, by container id; 0 when absent) below
/// `max_streams`; ordered not avoided first, then healthy before unknown, lower load (new streams
/// spread over engines and so over nodes), on the local node, forwarded, least recently used. The
/// preferred engine wins when it qualifies. Null when none qualifies.
const engine_record* select_engine(const std::vector<const engine_record*>& engines,
                                   const std::map<std::string, int>& load, int max_streams,
                                   const engine_wishes& wishes);

}  // namespace acepool::actors
