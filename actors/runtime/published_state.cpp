#include "actors/runtime/published_state.hpp"

#include "actors/provisioning/published_breaker.hpp"
#include "config/settings.hpp"

namespace acepool::actors {

published_state::published_state(const config::settings& settings)
    : general_breaker(general_breaker_of(settings)),
      replacement_breaker(replacement_breaker_of(settings)),
      feed(static_cast<size_t>(settings.service.live_backlog), settings.service.live_heartbeat) {}

}  // namespace acepool::actors
