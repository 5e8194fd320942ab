#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "actors/provision_types.hpp"
#include "http/http_message.hpp"

namespace acepool::http {

/// A request body read into a provisioning request, or the 422 to answer instead.
template <class Request>
struct read_request {
  std::optional<Request> request;
  response error;
};

/// The body of POST /provision/acestream: `image`, `labels`, `env`, `host_port` (1-65535).
read_request<actors::engine_request> read_engine_request(const nlohmann::json& body);

/// The body of POST /provision: `image`, `env`, `labels`, `name_prefix`
/// (`[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}`), `ports` (`"<1-65535>/tcp|udp"` → host port 1-65535).
read_request<actors::generic_request> read_generic_request(const nlohmann::json& body);

}  // namespace acepool::http
