#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace acepool::config {

using std::chrono::milliseconds;

/// An inclusive port range `LOW-HIGH`, 1 <= LOW <= HIGH <= 65535.
struct port_range {
  uint16_t low = 0;
  uint16_t high = 0;
  size_t size() const { return low == 0 ? 0 : static_cast<size_t>(high - low) + 1; }
  bool contains(uint16_t p) const { return p >= low && p <= high; }
  bool overlaps(const port_range& o) const { return low <= o.high && o.low <= high; }
  bool operator==(const port_range& o) const { return low == o.low && high == o.high; }
};

/// A `host:port` address.
struct host_port {
  std::string host;
  uint16_t port = 0;
  bool operator==(const host_port& o) const { return host == o.host && port == o.port; }
};

/// Where the Docker daemon is reached (DOCKER_HOST).
struct docker_endpoint {
  enum class transport { unix_socket, tcp };
  transport kind = transport::unix_socket;
  std::string socket_path;  ///< for unix_socket
  host_port address;        ///< for tcp
};

enum class log_level { trace, debug, info, warn, error };
enum class log_format { json, text };
enum class pull_policy { missing, never, always };
enum class engine_access { automatic, host, network };

/// Who runs engines: the Docker daemon (containers) or a Swarm manager (services).
enum class orchestrator_mode { docker, swarm };

/// The HTTP service (section "Service" of docs/configuration.md).
struct service_settings {
  std::string app_bind;
  std::optional<std::string> takeover_socket;  ///< TAKEOVER_SOCKET
  uint16_t app_port = 0;                       ///< 0 = any free port (logged at start)
  std::optional<std::string> api_key;
  bool api_key_reads = false;
  bool metrics_auth = false;
  std::optional<std::string> stream_token;
  std::vector<std::string> cors_origins;  ///< {"*"} = any origin, empty = no CORS headers
  std::vector<std::string>
      allowed_hosts;  ///< Host names accepted besides IP literals and localhost
  uint64_t max_body_bytes = 0;
  milliseconds api_request_timeout{};
  milliseconds api_long_operation_timeout{};
  milliseconds shutdown_timeout{};
  std::string relay_bind;
  std::optional<uint16_t> relay_port;
  log_level level = log_level::info;
  log_format format = log_format::json;
  std::string db_url;
  std::string db_path;  ///< file path from DB_URL, or ":memory:"
  milliseconds stream_history_ttl{};
  int max_connections = 0;  ///< 0 = derived from the open-file limit at start
  milliseconds http_header_timeout{};
  milliseconds http_body_timeout{};
  milliseconds http_idle_timeout{};
  int live_backlog = 0;           ///< events GET /events/live keeps for Last-Event-ID
  milliseconds live_heartbeat{};  ///< comment line to waiting subscribers this often
  int live_max_subscribers = 0;   ///< GET /events/live connections at once
};

/// Docker and engine containers (section "Docker and engines").
struct docker_settings {
  docker_endpoint host;
  std::string host_text;  ///< DOCKER_HOST as given
  std::optional<std::string> api_version;
  bool tls_verify = false;
  std::optional<std::string> cert_path;
  pull_policy image_pull_policy = pull_policy::missing;
  std::string target_image;
  std::vector<std::string> allowed_images;  ///< never empty after loading; {"*"} = any
  std::pair<std::string, std::string> container_label;
  std::optional<std::string> network;
  engine_access access = engine_access::automatic;
  std::string engine_host_address;
  std::optional<std::string> engine_advertise_host;
  milliseconds engine_stop_timeout{};
  std::string engine_publish_address;
  std::optional<uint64_t> engine_memory_limit;  ///< bytes
  std::optional<int64_t> engine_nano_cpus;      ///< ENGINE_CPU_LIMIT in billionths of a CPU
  orchestrator_mode orchestrator = orchestrator_mode::docker;
  std::vector<std::string> swarm_constraints;  ///< placement constraints (swarm mode)
  int max_engines_per_node = 0;                ///< MAX_REPLICAS_PER_NODE (swarm mode; 0: none)
  std::vector<std::pair<std::string, std::string>> engine_extra_env;
  milliseconds startup_timeout{};
  milliseconds engine_ready_timeout{};
  milliseconds provision_timeout{};
  milliseconds provision_startup_grace{};
  int max_concurrent_provisions = 0;
  int provision_queue_max = 0;
  milliseconds min_provision_interval{};
  int max_retries = 0;
  milliseconds retry_backoff{};
  port_range port_range_host;
  port_range ace_http_range;
  port_range ace_https_range;
  bool ace_map_https = false;
  /// Host ports POST /provision may publish; none = it may publish none.
  std::optional<port_range> generic_port_range;
  int max_generic_containers = 0;
};

/// Pool sizing (section "Pool").
struct pool_settings {
  int min_replicas = 0;
  int min_free_replicas = 0;
  int max_replicas = 0;
  int max_streams_per_engine = 0;
  milliseconds autoscale_interval{};
  milliseconds monitor_interval{};
  milliseconds engine_grace_period{};
  milliseconds idle_ttl{};
  bool auto_delete = false;
  std::vector<host_port> static_engines;
};

/// Engine health and the circuit breakers (section "Health and circuit breakers").
struct health_settings {
  milliseconds check_interval{};
  milliseconds probe_timeout{};
  int failure_threshold = 0;
  milliseconds unhealthy_grace_period{};
  milliseconds replacement_cooldown{};
  int breaker_failure_threshold = 0;
  milliseconds breaker_recovery_timeout{};
  int replacement_breaker_threshold = 0;
  milliseconds replacement_breaker_timeout{};
};

/// VPN mode (section "VPN (Gluetun)").
struct vpn_settings {
  std::optional<std::string> gluetun_container_name;  ///< set = VPN mode
  uint16_t gluetun_api_port = 0;
  std::optional<std::string> gluetun_api_key;
  milliseconds health_check_interval{};
  milliseconds port_cache_ttl{};
  port_range gluetun_port_range;
  int max_active_replicas = 0;
  bool restart_engines_on_reconnect = false;
  milliseconds unhealthy_restart_timeout{};  ///< 0 = never restart Gluetun
  bool enabled() const { return gluetun_container_name.has_value(); }
};

/// The stream relay (section "Relay").
struct relay_settings {
  milliseconds stream_start_timeout{};
  milliseconds stream_empty_timeout{};
  milliseconds client_write_timeout{};
  uint64_t buffer_bytes = 0;
  milliseconds stream_linger{};
  int failover_attempts = 0;
  int max_clients = 0;
  milliseconds collect_interval{};
  int stats_history_max = 0;
  milliseconds hls_segment{};  ///< HLS_SEGMENT_S
  int hls_window = 0;          ///< HLS_WINDOW
  bool acexy_m3u8 = false;     ///< ACEXY_M3U8: /ace/getstream serves the HLS playlist
};

/// Every setting of acepool, validated.
struct settings {
  service_settings service;
  docker_settings docker;
  pool_settings pool;
  health_settings health;
  vpn_settings vpn;
  relay_settings relay;

  /// The most managed engines that may exist: MAX_REPLICAS, and in VPN mode also
  /// MAX_ACTIVE_REPLICAS and the size of GLUETUN_PORT_RANGE.
  int engine_cap() const {
    if (!vpn.enabled()) return pool.max_replicas;
    return std::min({pool.max_replicas, vpn.max_active_replicas,
                     static_cast<int>(vpn.gluetun_port_range.size())});
  }
};

}  // namespace acepool::config
