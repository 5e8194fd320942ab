#include "actors/pool/engine_debug_view.hpp"

#include "support/time_format.hpp"

namespace acepool::actors {

nlohmann::json engine_debug_view(const engine_record& e, const std::vector<std::string>& streams) {
  auto optional_port = [](const auto& p) { return p ? nlohmann::json(*p) : nlohmann::json(); };
  return {{"container_id", e.container_id},
          {"container_name", e.container_name},
          {"host", e.host},
          {"port", e.port},
          {"container_http_port", e.container_http_port},
          {"container_https_port", e.container_https_port},
          {"host_https_port", optional_port(e.host_https_port)},
          {"labels", e.labels},
          {"first_seen", support::format_rfc3339(e.first_seen)},
          {"last_seen", support::format_rfc3339(e.last_seen)},
          {"streams", streams},
          {"health_status", to_string(e.health)},
          {"last_health_check", support::rfc3339_or_null(e.last_health_check)},
          {"last_stream_usage", support::rfc3339_or_null(e.last_stream_usage)},
          {"forwarded", e.forwarded},
          {"forwarded_port", optional_port(e.forwarded_port)},
          {"vpn_container", e.vpn_container ? nlohmann::json(*e.vpn_container) : nlohmann::json()},
          {"image", e.image},
          {"state", to_string(e.state)}};
}

}  // namespace acepool::actors
