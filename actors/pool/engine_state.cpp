#include "actors/pool/engine_state.hpp"

namespace acepool::actors {

const char* to_string(engine_state s) {
  switch (s) {
    case engine_state::starting:
      return "starting";
    case engine_state::running:
      return "running";
    case engine_state::draining:
      return "draining";
    case engine_state::stopping:
      return "stopping";
    case engine_state::static_engine:
      return "static";
  }
  return "running";
}

const char* to_string(health_status h) {
  switch (h) {
    case health_status::healthy:
      return "healthy";
    case health_status::unhealthy:
      return "unhealthy";
    case health_status::unknown:
      break;
  }
  return "unknown";
}

}  // namespace acepool::actors
