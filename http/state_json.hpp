#pragma once

#include <chrono>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "actors/provisioning/breaker.hpp"
#include "actors/vpn/vpn_state.hpp"

// The API's JSON of state the actors publish (a breaker, the VPN): rendered here, so an API
// field change touches http/ only.
namespace acepool::http {

/// A duration as the orchestrator's integer seconds (rounded up, so a configured 0.5 s does not
/// read as 0); the `_ms` field beside it keeps the exact value.
int64_t whole_seconds(std::chrono::milliseconds d);

/// A breaker as /health/status and /orchestrator/status show it: state, failure count and
/// threshold, last failure and success times, recovery timeout in whole seconds (and in ms).
nlohmann::json breaker_json(const actors::breaker& b, actors::breaker::clock::time_point now);

/// GET /vpn/status (api.md).
nlohmann::json vpn_status_json(const actors::vpn_snapshot& v);

/// The `vpn` object of /orchestrator/status.
nlohmann::json vpn_summary_json(const actors::vpn_snapshot& v);

}  // namespace acepool::http
