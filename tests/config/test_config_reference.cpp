#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config_reference.hpp"
#include "config/env_source.hpp"
#include "config/settings_loader.hpp"
#include "config/settings_schema.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool::config;

namespace {

std::string read_source_file(const std::string& relative) {
  return acepool::testing::read_file(std::string(ACEPOOL_SOURCE_DIR) + "/" + relative);
}

}  // namespace

TEST_CASE("docs/configuration.md is the reference generated from the code") {
  // Regenerate with scripts/gen-config-docs.sh when this fails.
  CHECK(read_source_file("docs/configuration.md") == render_markdown_reference());
}

TEST_CASE("config/example.env is the example generated from the code") {
  CHECK(read_source_file("config/example.env") == render_example_env());
}

TEST_CASE("the reference lists every variable and alias") {
  auto md = render_markdown_reference();
  auto help = render_help("test");
  auto env = render_example_env();
  for (const auto& s : setting_specs()) {
    INFO(s.name);
    CHECK(md.find("| " + s.name + " |") != std::string::npos);
    CHECK(help.find("  " + s.name + " (default") != std::string::npos);
    CHECK(env.find("#" + s.name + "=") != std::string::npos);
  }
  for (const auto& a : alias_specs())
    CHECK(md.find("| " + a.name + " |") != std::string::npos);
}

TEST_CASE("every documented variable exists, and nothing else") {
  const std::vector<std::string> config_md{
      // Service
      "APP_BIND", "APP_PORT", "API_KEY", "API_KEY_READS", "METRICS_AUTH", "STREAM_TOKEN",
      "CORS_ORIGINS", "ALLOWED_HOSTS", "MAX_BODY_BYTES", "API_REQUEST_TIMEOUT_S",
      "API_LONG_OPERATION_TIMEOUT_S", "SHUTDOWN_TIMEOUT_S", "RELAY_BIND", "RELAY_PORT", "LOG_LEVEL",
      "LOG_FORMAT", "DB_URL", "TAKEOVER_SOCKET", "STREAM_HISTORY_TTL_S", "MAX_CONNECTIONS",
      "HTTP_HEADER_TIMEOUT_S", "HTTP_BODY_TIMEOUT_S", "HTTP_IDLE_TIMEOUT_S", "LIVE_EVENTS_BACKLOG",
      "LIVE_EVENTS_MAX_SUBSCRIBERS", "LIVE_EVENTS_HEARTBEAT_S",
      // Docker and engines
      "DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
      "IMAGE_PULL_POLICY", "TARGET_IMAGE", "ALLOWED_IMAGES", "CONTAINER_LABEL", "DOCKER_NETWORK",
      "ENGINE_ACCESS", "ENGINE_HOST_ADDRESS", "ENGINE_ADVERTISE_HOST", "ENGINE_STOP_TIMEOUT_S",
      "ENGINE_PUBLISH_ADDRESS", "ENGINE_MEMORY_LIMIT", "ENGINE_CPU_LIMIT", "ORCHESTRATOR",
      "SWARM_CONSTRAINTS", "MAX_REPLICAS_PER_NODE", "ENGINE_EXTRA_ENV", "STARTUP_TIMEOUT_S",
      "ENGINE_READY_TIMEOUT_S", "PROVISION_TIMEOUT_S", "PROVISION_STARTUP_GRACE_S",
      "MAX_CONCURRENT_PROVISIONS", "PROVISION_QUEUE_MAX", "MIN_PROVISION_INTERVAL_S", "MAX_RETRIES",
      "RETRY_BACKOFF_S", "PORT_RANGE_HOST", "ACE_HTTP_RANGE", "ACE_HTTPS_RANGE", "ACE_MAP_HTTPS",
      "GENERIC_PORT_RANGE", "MAX_GENERIC_CONTAINERS",
      // Pool
      "MIN_REPLICAS", "MIN_FREE_REPLICAS", "MAX_REPLICAS", "MAX_STREAMS_PER_ENGINE",
      "AUTOSCALE_INTERVAL_S", "MONITOR_INTERVAL_S", "ENGINE_GRACE_PERIOD_S", "IDLE_TTL_S",
      "AUTO_DELETE", "STATIC_ENGINES",
      // Health and circuit breakers
      "HEALTH_CHECK_INTERVAL_S", "HEALTH_PROBE_TIMEOUT_S", "HEALTH_FAILURE_THRESHOLD",
      "HEALTH_UNHEALTHY_GRACE_PERIOD_S", "HEALTH_REPLACEMENT_COOLDOWN_S",
      "CIRCUIT_BREAKER_FAILURE_THRESHOLD", "CIRCUIT_BREAKER_RECOVERY_TIMEOUT_S",
      "CIRCUIT_BREAKER_REPLACEMENT_THRESHOLD", "CIRCUIT_BREAKER_REPLACEMENT_TIMEOUT_S",
      // VPN (Gluetun)
      "GLUETUN_CONTAINER_NAME", "GLUETUN_API_PORT", "GLUETUN_API_KEY",
      "GLUETUN_HEALTH_CHECK_INTERVAL_S", "GLUETUN_PORT_CACHE_TTL_S", "GLUETUN_PORT_RANGE",
      "MAX_ACTIVE_REPLICAS", "VPN_RESTART_ENGINES_ON_RECONNECT", "VPN_UNHEALTHY_RESTART_TIMEOUT_S",
      // Relay
      "STREAM_START_TIMEOUT_S", "STREAM_EMPTY_TIMEOUT_S", "CLIENT_WRITE_TIMEOUT_S",
      "RELAY_BUFFER_BYTES", "STREAM_LINGER_S", "STREAM_FAILOVER_ATTEMPTS", "MAX_CLIENTS",
      "COLLECT_INTERVAL_S", "STATS_HISTORY_MAX", "HLS_SEGMENT_S", "HLS_WINDOW", "ACEXY_M3U8"};
  std::vector<std::string> in_code;
  for (const auto& s : setting_specs())
    in_code.push_back(s.name);
  CHECK(in_code == config_md);
}

TEST_CASE("example.env uncommented gives exactly the defaults") {
  std::string uncommented;
  std::istringstream lines(render_example_env());
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > 1 && line[0] == '#' && line[1] != ' ' && line.find('=') != std::string::npos)
      uncommented += line.substr(1) + "\n";
  }
  auto file = parse_env_text(uncommented, "example.env");
  REQUIRE_FALSE(file.error);
  auto from_file = load_settings({}, file.values);
  auto defaults = load_settings({}, {});
  REQUIRE(from_file.loaded);
  REQUIRE(defaults.loaded);
  CHECK(render_effective(*from_file.loaded) == render_effective(*defaults.loaded));
}

TEST_CASE("the effective configuration redacts secrets and shows origins") {
  auto r =
      load_settings({{"API_KEY", "hunter2"}, {"STREAM_TOKEN", "tok"}, {"GLUETUN_API_KEY", "g"}},
                    {{"MIN_REPLICAS", "2"}});
  REQUIRE(r.loaded);
  auto text = render_effective(*r.loaded);
  CHECK(text.find("hunter2") == std::string::npos);
  CHECK(text.find("API_KEY=<redacted>") != std::string::npos);
  CHECK(text.find("STREAM_TOKEN=<redacted>") != std::string::npos);
  CHECK(text.find("GLUETUN_API_KEY=<redacted>") != std::string::npos);
  CHECK(text.find("MIN_REPLICAS=2\n") != std::string::npos);
  auto json = effective_json(*r.loaded);
  CHECK(json["values"]["API_KEY"] == "<redacted>");
  CHECK(json["values"]["RELAY_PORT"].is_null());
  CHECK(json["origins"]["MIN_REPLICAS"] == "env_file");
  CHECK(json["origins"]["API_KEY"] == "environment");
  CHECK(json["origins"]["APP_PORT"] == "default");
  CHECK(json.dump().find("hunter2") == std::string::npos);
}
