#pragma once

#include <cstdint>

#include "config/settings.hpp"
#include "http/server.hpp"

namespace acepool::http {

/// The transport settings acepool runs with, from its configuration (listeners not included):
/// MAX_CONNECTIONS within `open_file_limit`, the HTTP_*_TIMEOUT_S deadlines, CLIENT_WRITE_TIMEOUT_S
/// and a body budget of 64 × MAX_BODY_BYTES (at least 64 MiB). Logs when MAX_CONNECTIONS had to
/// be lowered.
server_options transport_options(const config::settings& s, uint64_t open_file_limit,
                                 metrics::registry* metrics);

}  // namespace acepool::http
