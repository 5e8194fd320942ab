#include "actors/vpn_state.hpp"

#include "support/time_format.hpp"

namespace acepool::actors {

namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<uint16_t> vpn_snapshot::host_port(uint16_t container_port) const {
  auto it = published.find(container_port);
  if (it == published.end()) return std::nullopt;
  return it->second;
}

bool vpn_connected(const std::string& docker_status, const std::optional<std::string>& health,
                   const std::string& vpn_status) {
  return docker_status == "running" && (!health || *health == "healthy") && vpn_status == "running";
}

nlohmann::json vpn_status_json(const vpn_snapshot& v) {
  if (!v.enabled)
    return {{"enabled", false},          {"status", "disabled"}, {"container", nullptr},
            {"container_name", nullptr}, {"health", "unknown"},  {"connected", false},
            {"forwarded_port", nullptr}, {"public_ip", nullptr}, {"last_check_at", nullptr}};
  return {{"enabled", true},
          {"status", v.status},
          {"container", or_null(v.container_id)},
          {"container_name", v.container_name},
          {"health", v.health},
          {"vpn_status", v.vpn_status},
          {"connected", v.connected},
          {"forwarded_port", or_null(v.forwarded_port)},
          {"public_ip", or_null(v.public_ip)},
          {"country", or_null(v.country)},
          {"last_check_at", support::rfc3339_or_null(v.last_check_at)}};
}

nlohmann::json vpn_summary_json(const vpn_snapshot& v) {
  return {{"enabled", v.enabled},
          {"connected", v.connected},
          {"health", v.health},
          {"container", v.enabled ? nlohmann::json(v.container_name) : nlohmann::json(nullptr)},
          {"forwarded_port", or_null(v.forwarded_port)}};
}

}  // namespace acepool::actors
