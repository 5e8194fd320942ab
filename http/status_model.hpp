#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

#include "actors/runtime/published_state.hpp"

namespace acepool::config {
struct settings;
}

// The status documents of api.md "Health and status", computed from the published snapshots
// (no actor round trip), as plain functions.
namespace acepool::http {

/// The snapshots a status is computed from.
struct status_inputs {
  const actors::engines_snapshot& engines;
  const actors::streams_snapshot& streams;
  const actors::health_snapshot& health;
  const actors::breaker& general_breaker;
  const actors::breaker& replacement_breaker;
  const actors::provisioning_snapshot& provisioning;
  const actors::docker_snapshot& docker;
  const actors::vpn_snapshot& vpn;
  const config::settings& settings;
  std::chrono::steady_clock::time_point now;
};

/// GET /orchestrator/status.
nlohmann::json orchestrator_status(const status_inputs& in);

/// The swarm's nodes with the engines, healthy engines and streams each runs (by the engines'
/// node label), for /orchestrator/status and the dashboard.
nlohmann::json swarm_nodes_json(const std::vector<docker::swarm_node>& nodes,
                                const actors::engines_snapshot& engines);

/// GET /health/status.
nlohmann::json health_status(const status_inputs& in);

/// Why provisioning is blocked now, api.md precedence (VPN > breaker > capacity): the reason
/// string, its code, the orchestrator's guidance for proxies (message, ETA, whether to retry
/// or wait); nothing when it is not blocked.
struct block {
  std::string reason;
  std::string code;
  std::optional<int> eta_s;
  std::string message;
  bool can_retry = false;
  bool should_wait = true;
};
std::optional<block> provisioning_block(const status_inputs& in);

/// The provisioning headers of api.md for every response.
std::vector<std::pair<std::string, std::string>> provisioning_headers(
    const actors::provisioning_snapshot& p, const actors::breaker& general,
    std::chrono::steady_clock::time_point now);

/// GET /engines/health-score: best first.
nlohmann::json health_scores(const actors::engines_snapshot& engines,
                             std::chrono::system_clock::time_point now);

}  // namespace acepool::http
