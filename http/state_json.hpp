#pragma once

#include <nlohmann/json.hpp>

#include "actors/provisioning/breaker.hpp"
#include "actors/vpn/vpn_state.hpp"

// The API's JSON of state the actors publish (a breaker, the VPN): rendered here, so an API
// field change touches http/ only.
namespace acepool::http {

/// A breaker as /health/status and /orchestrator/status show it: state, failure count and
/// threshold, last failure and success times, recovery timeout in seconds.
nlohmann::json breaker_json(const actors::breaker& b, actors::breaker::clock::time_point now);

/// GET /vpn/status (api.md).
nlohmann::json vpn_status_json(const actors::vpn_snapshot& v);

/// The `vpn` object of /orchestrator/status.
nlohmann::json vpn_summary_json(const actors::vpn_snapshot& v);

}  // namespace acepool::http
