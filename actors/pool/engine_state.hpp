#pragma once

#include <string>

namespace acepool::actors {

/// Lifecycle of an engine in the registry (api.md "Engine").
enum class engine_state {
  starting,  ///< adopted or created, not yet confirmed by a probe
  running,
  draining,       ///< to be removed once its streams end
  stopping,       ///< removal in progress; no longer counted
  static_engine,  ///< STATIC_ENGINES: probed and selectable, never sized
};

/// `health_status` of an engine.
enum class health_status { unknown, healthy, unhealthy };

const char* to_string(engine_state s);
const char* to_string(health_status h);

}  // namespace acepool::actors
