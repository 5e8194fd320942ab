#pragma once

#include <string>

namespace acepool::http {

/// `acepool --healthcheck`: GET http://<host>:<port>/health with a short timeout.
/// Returns true when it answers 200. `host` 0.0.0.0 / :: is probed on loopback.
bool probe_health(const std::string& bind_host, unsigned port);

}  // namespace acepool::http
