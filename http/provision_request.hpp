#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "actors/provisioning/provision_types.hpp"
#include "config/settings.hpp"
#include "http/http_message.hpp"

namespace acepool::http {

/// A request body read into a provisioning request, or the 422 to answer instead.
template <class Request>
struct read_request {
  std::optional<Request> request;
  response error;
};

/// The body of POST /provision/acestream: `image`, `labels`, `env` (names
/// `[A-Za-z_][A-Za-z0-9_]*`), `host_port` (1-65535).
read_request<actors::engine_request> read_engine_request(const nlohmann::json& body);

/// The body of POST /provision, a generic container: only `image`, `env` (names
/// `[A-Za-z_][A-Za-z0-9_]*`, values without NUL), `labels`, `name_prefix`
/// (`[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}`, not `acestream…` or `acepool…`: acepool's own names) and
/// `ports` (`"<1-65535>/tcp|udp"` → a host port within `host_ports`, GENERIC_PORT_RANGE; none
/// may be published without it). Any other member is refused (`extra_forbidden`): a caller
/// asking for `privileged` or `binds` must hear no, not get a container without them.
read_request<actors::generic_request> read_generic_request(
    const nlohmann::json& body, const std::optional<config::port_range>& host_ports);

}  // namespace acepool::http
