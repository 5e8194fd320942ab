#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/pool/engine_record.hpp"

namespace acepool::actors {

/// The codes of api.md's provisioning error table.
enum class provision_code {
  vpn_disconnected,
  circuit_breaker,
  rate_limited,
  max_capacity,
  no_node,  ///< swarm mode: no node may run another engine (drained, constraints, full)
  docker_unavailable,
  timeout,
  image_not_allowed,
  invalid_request,
  image_missing,
  general_error,
};

/// A provisioning failure: code, human message, and the recovery ETA when there is one.
struct provision_error {
  provision_code code = provision_code::general_error;
  std::string message;
  std::optional<int> eta_s;
};

const char* to_string(provision_code c);
/// `provisioning_blocked`, `provisioning_failed` or `invalid_request`.
const char* error_kind(provision_code c);
/// The fixed recovery ETA of api.md's table (vpn_disconnected 60, rate_limited 5,
/// docker_unavailable 10); nothing for codes whose ETA depends on the situation or is null.
std::optional<int> default_eta(provision_code c);
/// Whether a final failure with this code counts against a circuit breaker: only failures of
/// Docker or the engine, never a caller's own mistake or a blocked attempt (docs/behaviour.md §5).
bool counts_against_breaker(provision_code c);
/// The HTTP status of a code (max_capacity is 409 on the API, 503 on the relay).
int http_status(provision_code c, bool relay = false);
/// `{"detail":{"error","code","message","recovery_eta_seconds","can_retry","should_wait"}}`.
nlohmann::json error_body(const provision_error& e);

/// Who asks for an engine.
enum class request_origin { api, pool, relay, replacement };

/// `api`, `pool`, `relay` or `replacement`.
const char* to_string(request_origin o);

/// POST /provision/acestream (and the pool manager's and relay's demands).
struct engine_request {
  std::optional<std::string> image;  ///< default TARGET_IMAGE
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> env;
  std::optional<uint16_t> host_port;
  request_origin origin = request_origin::api;
  /// API calls get 503 rate_limited when the queue is full; acepool's own demands (the pool
  /// manager, the relay, health replacement) always queue.
  bool may_be_rate_limited() const { return origin == request_origin::api; }
  /// The engine this one replaces (health replacement): the provisioner claims capacity for a
  /// replacement, which the old engine does not block while it drains.
  std::optional<std::string> replaces;
};

/// POST /provision: a generic container.
struct generic_request {
  std::optional<std::string> image;
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> labels;
  std::map<std::string, uint16_t> ports;  ///< "8080/tcp" → host port
  std::string name_prefix = "svc";
};

/// The answer to a provisioning request.
struct provision_result {
  std::optional<engine_record> engine;  ///< engine provisioned (ready)
  std::string container_id;             ///< generic container
  std::string container_name;
  std::optional<provision_error> error;  ///< failure
  bool ok() const { return !error.has_value(); }
};

}  // namespace acepool::actors
