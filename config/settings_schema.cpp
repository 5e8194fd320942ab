#include "config/settings_schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "config/setting_kinds.hpp"
#include "config/value_parsers.hpp"

namespace acepool::config {

namespace {

using namespace setting_kinds;

std::vector<setting_spec> build_specs() {
  std::vector<setting_spec> v;
  // Service
  v.push_back(text({"APP_BIND", service, "0.0.0.0", "listen address"},
                   "a numeric IPv4 or IPv6 address", ACEPOOL_FIELD(service.app_bind),
                   parse_ip_address));
  v.push_back(
      port({"APP_PORT", service, "8000", "listen port (0 = any free port, logged at start)"},
           ACEPOOL_FIELD(service.app_port), 0));
  v.push_back(
      optional_text({"API_KEY", service, std::nullopt,
                     "key for write routes, /debug and /by-label (Bearer or X-API-Key); unset = "
                     "protected mode: they answer only clients on this host"},
                    ACEPOOL_FIELD(service.api_key), true));
  v.push_back(boolean({"API_KEY_READS", service, "false", "also protect read routes"},
                      ACEPOOL_FIELD(service.api_key_reads)));
  v.push_back(boolean({"METRICS_AUTH", service, "false", "protect /metrics with API_KEY"},
                      ACEPOOL_FIELD(service.metrics_auth)));
  v.push_back(optional_text(
      {"STREAM_TOKEN", service, std::nullopt, "if set, /ace/* needs ?token= with this value"},
      ACEPOOL_FIELD(service.stream_token), true));
  v.push_back(make(
      {"CORS_ORIGINS", service, std::nullopt,
       "browser origins allowed to call the API (CORS); unset = none, * = any"},
      "* or a comma list of http(s)://host[:port] origins", ACEPOOL_FIELD(service.cors_origins),
      [](std::string_view raw) { return parse_cors_origins(raw); },
      [](const std::vector<std::string>& o) {
        return o.empty() ? std::nullopt : std::optional<std::string>(join(o));
      }));
  v.push_back(make(
      {"ALLOWED_HOSTS", service, std::nullopt,
       "host names accepted in the Host header of protected routes besides IP addresses and "
       "localhost (a guard against DNS rebinding); * = any"},
      "* or a comma list of host names", ACEPOOL_FIELD(service.allowed_hosts),
      [](std::string_view raw) { return parse_allowed_hosts(raw); },
      [](const std::vector<std::string>& o) {
        return o.empty() ? std::nullopt : std::optional<std::string>(join(o));
      }));
  v.push_back(bytes({"MAX_BODY_BYTES", service, "1048576", "request body limit (413 above it)"},
                    ACEPOOL_FIELD(service.max_body_bytes), 1024, int64_t{1} << 30));
  v.push_back(seconds({"API_REQUEST_TIMEOUT_S", service, "30",
                       "longest an ordinary request may wait on the actors before 504"},
                      ACEPOOL_FIELD(service.api_request_timeout), 0.1, 3600));
  v.push_back(seconds({"API_LONG_OPERATION_TIMEOUT_S", service, "150",
                       "same for provisioning, scale and delete; must be >= PROVISION_TIMEOUT_S"},
                      ACEPOOL_FIELD(service.api_long_operation_timeout), 1, 7200));
  v.push_back(seconds({"SHUTDOWN_TIMEOUT_S", service, "8",
                       "graceful shutdown deadline (below Docker's default 10 s stop)"},
                      ACEPOOL_FIELD(service.shutdown_timeout), 0.1, 300));
  v.push_back(
      text({"RELAY_BIND", service, "0.0.0.0", "listen address of the optional relay listener"},
           "a numeric IPv4 or IPv6 address", ACEPOOL_FIELD(service.relay_bind), parse_ip_address));
  v.push_back(optional_port(
      {"RELAY_PORT", service, std::nullopt, "optional second listener serving only /ace/*"},
      ACEPOOL_FIELD(service.relay_port)));
  v.push_back(choice<log_level>({"LOG_LEVEL", service, "info", "log level"},
                                ACEPOOL_FIELD(service.level),
                                {{"trace", log_level::trace},
                                 {"debug", log_level::debug},
                                 {"info", log_level::info},
                                 {"warn", log_level::warn},
                                 {"error", log_level::error}}));
  v.push_back(choice<log_format>(
      {"LOG_FORMAT", service, "json", "json (one object per line) or text"},
      ACEPOOL_FIELD(service.format), {{"json", log_format::json}, {"text", log_format::text}}));
  v.push_back(text({"DB_URL", service, "sqlite:///./acepool.db",
                    "SQLite database; sqlite:///:memory: keeps nothing on disk"},
                   "sqlite:///relative/path, sqlite:////absolute/path or sqlite:///:memory:",
                   ACEPOOL_FIELD(service.db_url),
                   [](std::string_view raw) -> std::optional<std::string> {
                     if (!parse_sqlite_url(raw)) return std::nullopt;
                     return std::string(trim(raw));
                   }));
  v.push_back(optional_text({"TAKEOVER_SOCKET", service, std::nullopt,
                             "unix socket where a new acepool started with --takeover takes over "
                             "this one's listeners, streams and viewers without a break (mode "
                             "0600, this user only); unset = no takeover"},
                            ACEPOOL_FIELD(service.takeover_socket), false));
  v.push_back(seconds({"STREAM_HISTORY_TTL_S", service, "3600",
                       "ended streams and their stats are purged after this"},
                      ACEPOOL_FIELD(service.stream_history_ttl), 1, 31536000));
  v.push_back(integer({"MAX_CONNECTIONS", service, "0",
                       "open client connections across both listeners, relay clients included; "
                       "0 = the open-file limit minus 512 kept for Docker, engines and the "
                       "database, at most 65536 (a larger value is lowered to that room)"},
                      ACEPOOL_FIELD(service.max_connections), 0, 1000000));
  v.push_back(seconds({"HTTP_HEADER_TIMEOUT_S", service, "10",
                       "a request's head must arrive within this of its first byte (408)"},
                      ACEPOOL_FIELD(service.http_header_timeout), 0.1, 600));
  v.push_back(seconds({"HTTP_BODY_TIMEOUT_S", service, "30",
                       "a request's body must arrive within this of its head (408)"},
                      ACEPOOL_FIELD(service.http_body_timeout), 0.1, 3600));
  v.push_back(seconds({"HTTP_IDLE_TIMEOUT_S", service, "60",
                       "a kept-alive connection without a request is closed after this"},
                      ACEPOOL_FIELD(service.http_idle_timeout), 0.1, 3600));
  v.push_back(integer({"LIVE_EVENTS_BACKLOG", service, "4096",
                       "events GET /events/live keeps for clients resuming with Last-Event-ID; a "
                       "subscriber further behind is dropped (about 300 bytes per event)"},
                      ACEPOOL_FIELD(service.live_backlog), 16, 1000000));
  v.push_back(integer({"LIVE_EVENTS_MAX_SUBSCRIBERS", service, "256",
                       "GET /events/live connections at once; beyond, 503 (they would otherwise "
                       "hold MAX_CONNECTIONS places that no request could get back)"},
                      ACEPOOL_FIELD(service.live_max_subscribers), 1, 100000));
  v.push_back(seconds({"LIVE_EVENTS_HEARTBEAT_S", service, "15",
                       "every this long, each GET /events/live subscriber waiting for an event "
                       "gets a comment line (keeps proxies from closing it, finds dead "
                       "connections)"},
                      ACEPOOL_FIELD(service.live_heartbeat), 0.05, 300));

  // Docker and engines
  v.push_back(text({"DOCKER_HOST", docker, "unix:///var/run/docker.sock", "Docker daemon address"},
                   "unix:///absolute/path or tcp://host:port", ACEPOOL_FIELD(docker.host_text),
                   [](std::string_view raw) -> std::optional<std::string> {
                     if (!parse_docker_host(raw)) return std::nullopt;
                     return std::string(trim(raw));
                   }));
  v.push_back(optional_parsed({"DOCKER_API_VERSION", docker, std::nullopt,
                               "Docker API version; negotiated from /version when unset", "auto"},
                              "a version MAJOR.MINOR such as 1.41",
                              ACEPOOL_FIELD(docker.api_version), parse_api_version));
  v.push_back(boolean(
      {"DOCKER_TLS_VERIFY", docker, "false", "use TLS client certificates for tcp:// daemons"},
      ACEPOOL_FIELD(docker.tls_verify)));
  v.push_back(optional_text({"DOCKER_CERT_PATH", docker, std::nullopt,
                             "directory with ca.pem, cert.pem and key.pem (default ~/.docker)"},
                            ACEPOOL_FIELD(docker.cert_path)));
  v.push_back(
      choice<pull_policy>({"IMAGE_PULL_POLICY", docker, "missing",
                           "missing = pull absent images, never, always = before each start"},
                          ACEPOOL_FIELD(docker.image_pull_policy),
                          {{"missing", pull_policy::missing},
                           {"never", pull_policy::never},
                           {"always", pull_policy::always}}));
  v.push_back(text(
      {"TARGET_IMAGE", docker, "ghcr.io/krinkuto11/acestream-http-proxy:latest", "engine image"},
      "an image reference without spaces", ACEPOOL_FIELD(docker.target_image), parse_image_ref));
  v.push_back(make(
      {"ALLOWED_IMAGES", docker, std::nullopt,
       "comma list of images the API may start; * allows any", "= TARGET_IMAGE"},
      "* or a comma list of image references", ACEPOOL_FIELD(docker.allowed_images),
      [](std::string_view raw) -> std::optional<std::vector<std::string>> {
        auto items = parse_list(raw);
        if (!items || items->empty()) return std::nullopt;
        for (const auto& i : *items)
          if (!parse_image_ref(i)) return std::nullopt;
        return items;
      },
      [](const std::vector<std::string>& l) { return std::optional<std::string>(join(l)); }));
  v.push_back(make(
      {"CONTAINER_LABEL", docker, "orchestrator.managed=acestream",
       "label marking managed containers"},
      "key=value with exactly one =", ACEPOOL_FIELD(docker.container_label),
      [](std::string_view raw) { return parse_label(raw); },
      [](const std::pair<std::string, std::string>& l) {
        return std::optional<std::string>(l.first + "=" + l.second);
      }));
  v.push_back(optional_parsed(
      {"DOCKER_NETWORK", docker, std::nullopt, "network engines join (non-VPN)"},
      "a network name without spaces", ACEPOOL_FIELD(docker.network), parse_image_ref));
  v.push_back(choice<engine_access>(
      {"ENGINE_ACCESS", docker, "auto",
       "how acepool reaches engines: host (address + published port), network (name + container "
       "port over DOCKER_NETWORK), auto"},
      ACEPOOL_FIELD(docker.access),
      {{"auto", engine_access::automatic},
       {"host", engine_access::host},
       {"network", engine_access::network}}));
  v.push_back(text({"ENGINE_HOST_ADDRESS", docker, "127.0.0.1", "address used in host access"},
                   "a host name or IP address", ACEPOOL_FIELD(docker.engine_host_address),
                   parse_host));
  v.push_back(optional_parsed({"ENGINE_ADVERTISE_HOST", docker, std::nullopt,
                               "host reported in /engines for external proxies"},
                              "a host name or IP address",
                              ACEPOOL_FIELD(docker.engine_advertise_host), parse_host));
  v.push_back(seconds(
      {"ENGINE_STOP_TIMEOUT_S", docker, "5", "stop?t= given to Docker when removing an engine"},
      ACEPOOL_FIELD(docker.engine_stop_timeout), 0, 600));
  v.push_back(
      text({"ENGINE_PUBLISH_ADDRESS", docker, "127.0.0.1",
            "host interface engine ports are published on (0.0.0.0 exposes them on the LAN)"},
           "a numeric IPv4 or IPv6 address", ACEPOOL_FIELD(docker.engine_publish_address),
           parse_ip_address));
  v.push_back(make(
      {"ENGINE_MEMORY_LIMIT", docker, std::nullopt, "memory limit per engine, e.g. 512m"},
      "a size of at least 6m: bytes or a number with k, m or g",
      ACEPOOL_FIELD(docker.engine_memory_limit),
      [](std::string_view raw) -> std::optional<std::optional<uint64_t>> {
        auto b = parse_byte_size(raw);
        if (!b || *b < (6u << 20)) return std::nullopt;
        return std::optional<uint64_t>(*b);
      },
      [](const std::optional<uint64_t>& b) -> std::optional<std::string> {
        if (!b) return std::nullopt;
        return std::to_string(*b);
      }));
  v.push_back(make(
      {"ENGINE_CPU_LIMIT", docker, std::nullopt,
       "CPUs per engine (limit; in swarm mode also reserved on the node), e.g. 1.5", "none"},
      "a number of CPUs from 0.01 to 1024", ACEPOOL_FIELD(docker.engine_nano_cpus),
      [](std::string_view raw) -> std::optional<std::optional<int64_t>> {
        std::string text(trim(raw));
        if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos)
          return std::nullopt;
        char* end = nullptr;
        double cpus = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size() || !(cpus >= 0.01 && cpus <= 1024))
          return std::nullopt;
        return std::optional<int64_t>(std::llround(cpus * 1e9));
      },
      [](const std::optional<int64_t>& n) -> std::optional<std::string> {
        if (!n) return std::nullopt;
        char out[32];
        std::snprintf(out, sizeof out, "%g", static_cast<double>(*n) / 1e9);
        return std::string(out);
      }));
  v.push_back(choice<orchestrator_mode>(
      {"ORCHESTRATOR", docker, "docker",
       "docker = engines are containers of DOCKER_HOST; swarm = engines are services of one "
       "replica on the Swarm that DOCKER_HOST manages"},
      ACEPOOL_FIELD(docker.orchestrator),
      {{"docker", orchestrator_mode::docker}, {"swarm", orchestrator_mode::swarm}}));
  v.push_back(make(
      {"SWARM_CONSTRAINTS", docker, std::nullopt,
       "swarm mode: placement constraints of engines, comma list, e.g. "
       "node.labels.acepool==engines",
       "none"},
      "a comma list of constraints (name==value or name!=value)",
      ACEPOOL_FIELD(docker.swarm_constraints),
      [](std::string_view raw) -> std::optional<std::vector<std::string>> {
        auto items = parse_list(raw);
        if (!items) return std::nullopt;
        // name==value or name!=value: one operator, both sides non-empty, printable ASCII
        // without spaces or quotes (what Swarm's constraint parser takes).
        auto valid = [](const std::string& c) {
          auto op = c.find_first_of("=!");
          if (op == 0 || op == std::string::npos || op + 1 >= c.size() || c[op + 1] != '=')
            return false;
          auto value = c.substr(op + 2);
          if (value.empty() || value.find_first_of("=!") != std::string::npos) return false;
          return std::all_of(c.begin(), c.end(), [](char ch) {
            return ch > ' ' && ch < 0x7f && ch != '"' && ch != '\'';
          });
        };
        if (!std::all_of(items->begin(), items->end(), valid)) return std::nullopt;
        return items;
      },
      [](const std::vector<std::string>& l) {
        return l.empty() ? std::nullopt : std::optional<std::string>(join(l));
      }));
  v.push_back(integer({"MAX_REPLICAS_PER_NODE", docker, "0",
                       "swarm mode: engines one node may run (0 = no cap); nodes at the cap "
                       "are excluded when a new engine is placed"},
                      ACEPOOL_FIELD(docker.max_engines_per_node), 0, 10000));
  v.push_back(make(
      {"ENGINE_EXTRA_ENV", docker, std::nullopt, "K=V;K2=V2 added to every engine"},
      "K=V pairs separated by ; with environment-style names",
      ACEPOOL_FIELD(docker.engine_extra_env),
      [](std::string_view raw) { return parse_env_pairs(raw); },
      [](const std::vector<std::pair<std::string, std::string>>& kv) -> std::optional<std::string> {
        if (kv.empty()) return std::nullopt;
        std::string out;
        for (const auto& [k, val] : kv)
          out += (out.empty() ? "" : ";") + k + "=" + val;
        return out;
      }));
  v.push_back(
      seconds({"STARTUP_TIMEOUT_S", docker, "25", "a container must reach running within this"},
              ACEPOOL_FIELD(docker.startup_timeout), 1, 600));
  v.push_back(seconds({"ENGINE_READY_TIMEOUT_S", docker, "30",
                       "the engine API must answer a probe within this after running"},
                      ACEPOOL_FIELD(docker.engine_ready_timeout), 1, 600));
  v.push_back(seconds({"PROVISION_TIMEOUT_S", docker, "120",
                       "bound on one whole provisioning operation, retries included"},
                      ACEPOOL_FIELD(docker.provision_timeout), 1, 3600));
  v.push_back(seconds({"PROVISION_STARTUP_GRACE_S", docker, "30",
                       "a new engine is not judged unhealthy during this"},
                      ACEPOOL_FIELD(docker.provision_startup_grace), 0, 3600));
  v.push_back(integer(
      {"MAX_CONCURRENT_PROVISIONS", docker, "5", "provisioning operations in flight at once"},
      ACEPOOL_FIELD(docker.max_concurrent_provisions), 1, 100));
  v.push_back(integer({"PROVISION_QUEUE_MAX", docker, "50",
                       "operations waiting for a slot; beyond it API calls get 503 rate_limited"},
                      ACEPOOL_FIELD(docker.provision_queue_max), 0, 10000));
  v.push_back(seconds(
      {"MIN_PROVISION_INTERVAL_S", docker, "0.5", "minimum gap between two container starts"},
      ACEPOOL_FIELD(docker.min_provision_interval), 0, 60));
  v.push_back(
      integer({"MAX_RETRIES", docker, "3", "retries of a transient Docker or engine start failure"},
              ACEPOOL_FIELD(docker.max_retries), 0, 20));
  v.push_back(
      seconds({"RETRY_BACKOFF_S", docker, "2", "base of exponential backoff between retries"},
              ACEPOOL_FIELD(docker.retry_backoff), 0, 60));
  v.push_back(range({"PORT_RANGE_HOST", docker, "19000-19999",
                     "published host ports for engine HTTP (and HTTPS with ACE_MAP_HTTPS)"},
                    ACEPOOL_FIELD(docker.port_range_host)));
  v.push_back(
      range({"ACE_HTTP_RANGE", docker, "40000-44999",
             "container-side HTTP ports (network access; with host access the container port "
             "equals the host port)"},
            ACEPOOL_FIELD(docker.ace_http_range)));
  v.push_back(range({"ACE_HTTPS_RANGE", docker, "45000-49999", "container-side HTTPS ports"},
                    ACEPOOL_FIELD(docker.ace_https_range)));
  v.push_back(boolean({"ACE_MAP_HTTPS", docker, "false", "also publish the HTTPS port"},
                      ACEPOOL_FIELD(docker.ace_map_https)));
  v.push_back(make(
      {"GENERIC_PORT_RANGE", docker, std::nullopt,
       "host ports POST /provision may publish (bound to ENGINE_PUBLISH_ADDRESS); unset = none"},
      "a port range LOW-HIGH with 1 <= LOW <= HIGH <= 65535",
      ACEPOOL_FIELD(docker.generic_port_range),
      [](std::string_view raw) -> std::optional<std::optional<port_range>> {
        auto r = parse_port_range(raw);
        if (!r) return std::nullopt;
        return std::optional<port_range>(*r);
      },
      [](const std::optional<port_range>& r) -> std::optional<std::string> {
        if (!r) return std::nullopt;
        return std::to_string(r->low) + "-" + std::to_string(r->high);
      }));
  v.push_back(integer({"MAX_GENERIC_CONTAINERS", docker, "10",
                       "generic containers POST /provision may have at once (409 above)"},
                      ACEPOOL_FIELD(docker.max_generic_containers), 0, 1000));

  // Pool
  v.push_back(integer({"MIN_REPLICAS", pool, "1", "engines created at start and kept as a floor"},
                      ACEPOOL_FIELD(pool.min_replicas), 0, 1000));
  v.push_back(integer({"MIN_FREE_REPLICAS", pool, "1", "idle engines kept ready at run time"},
                      ACEPOOL_FIELD(pool.min_free_replicas), 0, 1000));
  v.push_back(integer({"MAX_REPLICAS", pool, "20", "hard cap on managed engines"},
                      ACEPOOL_FIELD(pool.max_replicas), 1, 1000));
  v.push_back(integer({"MAX_STREAMS_PER_ENGINE", pool, "1",
                       "streams one engine may serve (alias ACEXY_MAX_STREAMS_PER_ENGINE)"},
                      ACEPOOL_FIELD(pool.max_streams_per_engine), 1, 1000));
  v.push_back(seconds({"AUTOSCALE_INTERVAL_S", pool, "30", "pool reconciliation period"},
                      ACEPOOL_FIELD(pool.autoscale_interval), 0.1, 86400));
  v.push_back(seconds({"MONITOR_INTERVAL_S", pool, "10", "full Docker reconciliation period"},
                      ACEPOOL_FIELD(pool.monitor_interval), 0.1, 86400));
  v.push_back(seconds({"ENGINE_GRACE_PERIOD_S", pool, "30",
                       "an engine must be idle this long before it may be removed"},
                      ACEPOOL_FIELD(pool.engine_grace_period), 0, 86400));
  v.push_back(
      seconds({"IDLE_TTL_S", pool, "600", "/gc removes engines idle this long above the floors"},
              ACEPOOL_FIELD(pool.idle_ttl), 0, 2592000));
  v.push_back(
      boolean({"AUTO_DELETE", pool, "false",
               "release an engine as soon as its last stream ends (floors and grace apply)"},
              ACEPOOL_FIELD(pool.auto_delete)));
  v.push_back(make(
      {"STATIC_ENGINES", pool, std::nullopt,
       "host:port,... engines acepool does not manage but may use"},
      "a comma list of host:port", ACEPOOL_FIELD(pool.static_engines),
      [](std::string_view raw) { return parse_host_port_list(raw); },
      [](const std::vector<host_port>& l) -> std::optional<std::string> {
        if (l.empty()) return std::nullopt;
        std::string out;
        for (const auto& hp : l)
          out += (out.empty() ? "" : ",") + hp.host + ":" + std::to_string(hp.port);
        return out;
      }));

  // Health and circuit breakers
  v.push_back(seconds({"HEALTH_CHECK_INTERVAL_S", health, "20", "engine probe period"},
                      ACEPOOL_FIELD(health.check_interval), 0.1, 3600));
  v.push_back(seconds({"HEALTH_PROBE_TIMEOUT_S", health, "5", "one probe's timeout"},
                      ACEPOOL_FIELD(health.probe_timeout), 0.1, 300));
  v.push_back(
      integer({"HEALTH_FAILURE_THRESHOLD", health, "3", "consecutive failures before unhealthy"},
              ACEPOOL_FIELD(health.failure_threshold), 1, 100));
  v.push_back(seconds({"HEALTH_UNHEALTHY_GRACE_PERIOD_S", health, "60",
                       "an engine unhealthy this long is replaced"},
                      ACEPOOL_FIELD(health.unhealthy_grace_period), 0, 86400));
  v.push_back(
      seconds({"HEALTH_REPLACEMENT_COOLDOWN_S", health, "60", "minimum gap between replacements"},
              ACEPOOL_FIELD(health.replacement_cooldown), 0, 86400));
  v.push_back(
      integer({"CIRCUIT_BREAKER_FAILURE_THRESHOLD", health, "5",
               "the general breaker trips after this many consecutive provisioning failures"},
              ACEPOOL_FIELD(health.breaker_failure_threshold), 1, 1000));
  v.push_back(
      seconds({"CIRCUIT_BREAKER_RECOVERY_TIMEOUT_S", health, "300", "open -> half-open after this"},
              ACEPOOL_FIELD(health.breaker_recovery_timeout), 0.1, 86400));
  v.push_back(integer(
      {"CIRCUIT_BREAKER_REPLACEMENT_THRESHOLD", health, "3", "replacement breaker threshold"},
      ACEPOOL_FIELD(health.replacement_breaker_threshold), 1, 1000));
  v.push_back(seconds(
      {"CIRCUIT_BREAKER_REPLACEMENT_TIMEOUT_S", health, "180", "replacement breaker recovery"},
      ACEPOOL_FIELD(health.replacement_breaker_timeout), 0.1, 86400));

  // VPN (Gluetun)
  v.push_back(optional_parsed({"GLUETUN_CONTAINER_NAME", vpn, std::nullopt,
                               "enables VPN mode: engines use network_mode container:<name>"},
                              "a container name without spaces",
                              ACEPOOL_FIELD(vpn.gluetun_container_name), parse_image_ref));
  v.push_back(port({"GLUETUN_API_PORT", vpn, "8000",
                    "Gluetun control server port (container side; the host side is read from its "
                    "published ports)"},
                   ACEPOOL_FIELD(vpn.gluetun_api_port)));
  v.push_back(optional_text(
      {"GLUETUN_API_KEY", vpn, std::nullopt, "sent as X-API-Key to the control server"},
      ACEPOOL_FIELD(vpn.gluetun_api_key), true));
  v.push_back(seconds({"GLUETUN_HEALTH_CHECK_INTERVAL_S", vpn, "5", "VPN watch period"},
                      ACEPOOL_FIELD(vpn.health_check_interval), 0.1, 3600));
  v.push_back(seconds({"GLUETUN_PORT_CACHE_TTL_S", vpn, "60", "forwarded-port cache"},
                      ACEPOOL_FIELD(vpn.port_cache_ttl), 0, 86400));
  v.push_back(range({"GLUETUN_PORT_RANGE", vpn, "19000-19019",
                     "engine HTTP ports inside Gluetun's namespace (Gluetun must publish them)"},
                    ACEPOOL_FIELD(vpn.gluetun_port_range)));
  v.push_back(integer(
      {"MAX_ACTIVE_REPLICAS", vpn, "20", "VPN mode engine cap (also bounded by the range size)"},
      ACEPOOL_FIELD(vpn.max_active_replicas), 1, 1000));
  v.push_back(
      boolean({"VPN_RESTART_ENGINES_ON_RECONNECT", vpn, "true",
               "after the VPN recovers, recycle engines (idle first, busy when their streams end)"},
              ACEPOOL_FIELD(vpn.restart_engines_on_reconnect)));
  v.push_back(seconds({"VPN_UNHEALTHY_RESTART_TIMEOUT_S", vpn, "0",
                       ">0: restart the Gluetun container once when unhealthy this long"},
                      ACEPOOL_FIELD(vpn.unhealthy_restart_timeout), 0, 86400));

  // Relay
  v.push_back(seconds({"STREAM_START_TIMEOUT_S", relay, "20",
                       "engine JSON answer + first byte must arrive within this (alias "
                       "ACEXY_NO_RESPONSE_TIMEOUT)"},
                      ACEPOOL_FIELD(relay.stream_start_timeout), 0.1, 600));
  v.push_back(
      seconds({"STREAM_EMPTY_TIMEOUT_S", relay, "30",
               "no upstream bytes this long -> failover or end (alias ACEXY_EMPTY_TIMEOUT)"},
              ACEPOOL_FIELD(relay.stream_empty_timeout), 0.1, 3600));
  v.push_back(seconds({"CLIENT_WRITE_TIMEOUT_S", relay, "5",
                       "a client whose pending write is older than this is dropped"},
                      ACEPOOL_FIELD(relay.client_write_timeout), 0.1, 600));
  v.push_back(bytes({"RELAY_BUFFER_BYTES", relay, "4194304",
                     "per-stream shared buffer; a client further behind jumps to the live edge"},
                    ACEPOOL_FIELD(relay.buffer_bytes), 65536, int64_t{1} << 30));
  v.push_back(seconds({"STREAM_LINGER_S", relay, "0",
                       "keep the engine session this long after the last client leaves"},
                      ACEPOOL_FIELD(relay.stream_linger), 0, 3600));
  v.push_back(integer({"STREAM_FAILOVER_ATTEMPTS", relay, "2",
                       "consecutive re-opens of a broken upstream before clients are closed"},
                      ACEPOOL_FIELD(relay.failover_attempts), 0, 100));
  v.push_back(
      integer({"MAX_CLIENTS", relay, "4096", "relay clients across all streams; beyond it 503"},
              ACEPOOL_FIELD(relay.max_clients), 1, 1000000));
  v.push_back(seconds({"COLLECT_INTERVAL_S", relay, "5", "stats polling period per stream"},
                      ACEPOOL_FIELD(relay.collect_interval), 0.1, 3600));
  v.push_back(integer({"STATS_HISTORY_MAX", relay, "720", "stats snapshots kept per stream"},
                      ACEPOOL_FIELD(relay.stats_history_max), 1, 1000000));
  v.push_back(seconds(
      {"HLS_SEGMENT_S", relay, "2", "HLS segment target: cut at the first keyframe past it"},
      ACEPOOL_FIELD(relay.hls_segment), 0.5, 30));
  v.push_back(integer({"HLS_WINDOW", relay, "6",
                       "HLS segments a live playlist lists (at least 3: RFC 8216 asks for 3 target "
                       "durations)"},
                      ACEPOOL_FIELD(relay.hls_window), 3, 100));
  v.push_back(boolean({"ACEXY_M3U8", relay, "false",
                       "acexy's M3U8 mode: /ace/getstream answers the HLS playlist of "
                       "/ace/manifest.m3u8 instead of MPEG-TS"},
                      ACEPOOL_FIELD(relay.acexy_m3u8)));
  return v;
}

std::optional<std::string> go_duration_to_seconds(std::string_view raw) {
  auto d = parse_go_duration(raw);
  if (!d) return std::nullopt;
  return format_seconds(*d);
}

}  // namespace

const std::vector<setting_spec>& setting_specs() {
  static const std::vector<setting_spec> specs = build_specs();
  return specs;
}

const setting_spec* find_setting(std::string_view name) {
  for (const auto& s : setting_specs())
    if (s.name == name) return &s;
  return nullptr;
}

const std::vector<std::string>& setting_sections() {
  static const std::vector<std::string> sections{service, docker, pool, health, vpn, relay};
  return sections;
}

const std::vector<alias_spec>& alias_specs() {
  static const std::vector<alias_spec> aliases{
      {"ACEXY_MAX_STREAMS_PER_ENGINE", "MAX_STREAMS_PER_ENGINE", "an integer from 1 to 1000",
       "acexy's name; both set to different values is an error",
       [](std::string_view raw) -> std::optional<std::string> {
         auto v = parse_integer(raw, 1, 1000);
         if (!v) return std::nullopt;
         return std::to_string(*v);
       }},
      {"ACEXY_NO_RESPONSE_TIMEOUT", "STREAM_START_TIMEOUT_S", "a Go duration such as 20s or 1m",
       "acexy's name, in Go duration syntax", go_duration_to_seconds},
      {"ACEXY_EMPTY_TIMEOUT", "STREAM_EMPTY_TIMEOUT_S", "a Go duration such as 30s or 1m",
       "acexy's name, in Go duration syntax", go_duration_to_seconds},
      {"ACEXY_HOST", "STATIC_ENGINES", "a host name or IP address",
       "acexy's engine; with ACEXY_PORT (default 6878) it becomes one more static engine",
       [](std::string_view raw) { return parse_host(raw); }},
      {"ACEXY_PORT", "STATIC_ENGINES", "a port from 1 to 65535",
       "acexy's engine port; with ACEXY_HOST (default localhost) it becomes one more static engine",
       [](std::string_view raw) -> std::optional<std::string> {
         auto v = parse_integer(raw, 1, 65535);
         if (!v) return std::nullopt;
         return std::to_string(*v);
       }},
  };
  return aliases;
}

}  // namespace acepool::config
