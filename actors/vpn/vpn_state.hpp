#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "docker/docker_types.hpp"

namespace acepool::actors {

/// What the vpn_watcher last saw of the Gluetun container and its control server
/// (docs/behaviour.md §6). Published for /vpn/status, /orchestrator/status, provisioning and
/// metrics.
struct vpn_snapshot {
  bool enabled = false;
  std::string container_name;
  std::optional<std::string> container_id;
  std::string status = "not_found";    ///< Docker status: running, exited, not_found, ...
  std::string health = "unknown";      ///< Docker health: healthy, unhealthy, starting, unknown
  std::string vpn_status = "unknown";  ///< control server: running, stopped, unknown
  bool connected = false;              ///< see vpn_connected()
  std::optional<uint16_t> forwarded_port;
  std::optional<std::string> public_ip;
  std::optional<std::string> country;
  std::optional<std::chrono::system_clock::time_point> last_check_at;
  std::string started_at;  ///< Docker's State.StartedAt: changes when the container restarts
  std::map<uint16_t, uint16_t> published;  ///< container port → host port (Gluetun's bindings)
  uint64_t transitions = 0;                ///< connected ↔ disconnected changes seen
  uint64_t container_restarts = 0;         ///< restarts of the Gluetun container seen

  /// The host port Gluetun publishes `container_port` on, if it does.
  std::optional<uint16_t> host_port(uint16_t container_port) const;
};

/// The one definition of "connected" (docs/behaviour.md §6): the container runs, its Docker health
/// is `healthy` or it has no health check, and the control server reports the VPN `running`.
bool vpn_connected(const std::string& docker_status, const std::optional<std::string>& health,
                   const std::string& vpn_status);

/// The answers of Gluetun's control server as acepool reads them; anything else (another status,
/// not JSON, a field missing or of another type, a port outside 1-65535) reads as unknown.
/// `GET /v1/openvpn/status` (or the VPN status route): `running`, `stopped`, ... or `unknown`.
std::string read_vpn_status(int http_status, const std::string& body);
/// `GET /v1/openvpn/portforwarded`: nothing when it gave no JSON answer; else the forwarded port,
/// if it names a valid one.
std::optional<std::optional<uint16_t>> read_forwarded_port(int http_status,
                                                           const std::string& body);
/// `GET /v1/publicip/ip`: the public address and country, when present.
struct public_ip_answer {
  std::optional<std::string> ip;
  std::optional<std::string> country;
};
std::optional<public_ip_answer> read_public_ip(int http_status, const std::string& body);

/// Gluetun's published ports from Docker's `"<port>/tcp"` keys (other protocols and malformed
/// keys ignored): container port → host port.
std::map<uint16_t, uint16_t> read_published_tcp_ports(const docker::port_map& bindings);

}  // namespace acepool::actors
