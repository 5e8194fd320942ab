#pragma once

#include <string>

namespace acepool::docker {

/// The small set of Docker failures acepool reacts to differently.
enum class docker_errc {
  not_found,           ///< no such container / image / network
  conflict,            ///< name in use, container in the wrong state
  daemon_unreachable,  ///< socket missing, connection refused, TLS failure
  image_missing,       ///< image absent and not pullable
  port_in_use,         ///< a published host port is taken (fails on start)
  timeout,             ///< the call exceeded its deadline
  bad_request,         ///< Docker refused the request itself (HTTP 400): the caller's mistake
  no_node,             ///< swarm mode: no node may run it (every one at MAX_REPLICAS_PER_NODE)
  other,               ///< anything else (Docker's message is kept)
};

/// A failed Docker call: its class, the HTTP status Docker answered (0 when none) and Docker's
/// own message.
struct docker_error {
  docker_errc code = docker_errc::other;
  int http_status = 0;
  std::string message;
};

/// Stable snake_case name of an error class (`port_in_use`), used in logs and metrics.
const char* to_string(docker_errc code);

}  // namespace acepool::docker
