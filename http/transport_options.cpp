#include "http/transport_options.hpp"

#include <algorithm>

#include "http/connection_limits.hpp"
#include "support/logging.hpp"

namespace acepool::http {

server_options transport_options(const config::settings& s, uint64_t open_file_limit,
                                 metrics::registry* metrics) {
  server_options o;
  o.connections.header_timeout = s.service.http_header_timeout;
  o.connections.body_timeout = s.service.http_body_timeout;
  o.connections.idle_timeout = s.service.http_idle_timeout;
  o.connections.write_timeout = s.relay.client_write_timeout;
  o.max_connections = effective_max_connections(s.service.max_connections, open_file_limit);
  if (s.service.max_connections > 0 &&
      o.max_connections < static_cast<size_t>(s.service.max_connections))
    log::event(spdlog::level::warn, "config.max_connections_lowered",
               {{"configured", s.service.max_connections},
                {"effective", o.max_connections},
                {"open_file_limit", open_file_limit}});
  o.body_budget_bytes = std::max<uint64_t>(uint64_t{64} << 20, s.service.max_body_bytes * 64);
  o.metrics = metrics;
  return o;
}

}  // namespace acepool::http
