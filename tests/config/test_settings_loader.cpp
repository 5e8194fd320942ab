#include <catch2/catch.hpp>

#include <algorithm>

#include "config/config_reference.hpp"
#include "config/settings_loader.hpp"
#include "config/settings_schema.hpp"

using namespace acepool::config;
using std::chrono::milliseconds;

namespace {

load_result load(env_map env, env_map file = {}) {
  return load_settings(env, file);
}

settings ok(env_map env, env_map file = {}) {
  auto r = load(std::move(env), std::move(file));
  INFO(r.error);
  REQUIRE(r.loaded);
  return r.loaded->values;
}

std::string error_of(env_map env) {
  auto r = load(std::move(env));
  REQUIRE_FALSE(r.loaded);
  return r.error;
}

bool has_warning(const load_result& r, const std::string& needle) {
  return std::any_of(r.loaded->warnings.begin(), r.loaded->warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

}  // namespace

TEST_CASE("defaults are the values of docs/configuration.md") {
  auto s = ok({});
  CHECK(s.service.app_bind == "0.0.0.0");
  CHECK(s.service.app_port == 8000);
  CHECK_FALSE(s.service.api_key);
  CHECK(s.service.cors_origins.empty());  // no browser origin unless listed
  CHECK(s.service.max_body_bytes == 1048576);
  CHECK(s.service.api_request_timeout == milliseconds(30000));
  CHECK(s.service.api_long_operation_timeout == milliseconds(150000));
  CHECK(s.service.shutdown_timeout == milliseconds(8000));
  CHECK_FALSE(s.service.relay_port);
  CHECK(s.service.level == log_level::info);
  CHECK(s.service.format == log_format::json);
  CHECK(s.service.db_path == "./acepool.db");
  CHECK(s.docker.host.kind == docker_endpoint::transport::unix_socket);
  CHECK(s.docker.host.socket_path == "/var/run/docker.sock");
  CHECK(s.docker.target_image == "ghcr.io/krinkuto11/acestream-http-proxy:latest");
  CHECK(s.docker.allowed_images == std::vector<std::string>{s.docker.target_image});
  CHECK(s.docker.container_label ==
        std::make_pair(std::string("orchestrator.managed"), std::string("acestream")));
  CHECK(s.docker.min_provision_interval == milliseconds(500));
  CHECK(s.docker.port_range_host == port_range{19000, 19999});
  CHECK(s.docker.ace_http_range == port_range{40000, 44999});
  CHECK(s.docker.ace_https_range == port_range{45000, 49999});
  CHECK(s.pool.min_replicas == 1);
  CHECK(s.pool.min_free_replicas == 1);
  CHECK(s.pool.max_replicas == 20);
  CHECK(s.pool.max_streams_per_engine == 1);
  CHECK(s.health.failure_threshold == 3);
  CHECK(s.health.breaker_recovery_timeout == milliseconds(300000));
  CHECK_FALSE(s.vpn.enabled());
  CHECK(s.vpn.gluetun_port_range == port_range{19000, 19019});
  CHECK(s.vpn.restart_engines_on_reconnect);
  CHECK(s.relay.buffer_bytes == 4194304);
  CHECK(s.relay.max_clients == 4096);
  CHECK(s.relay.stats_history_max == 720);
}

TEST_CASE("every documented default parses and every variable shows a value or unset") {
  auto r = load({});
  REQUIRE(r.loaded);
  for (const auto& spec : setting_specs()) {
    INFO(spec.name);
    CHECK(spec.show(r.loaded->values).has_value() ==
          (spec.default_value.has_value() || spec.name == "ALLOWED_IMAGES"));
  }
}

TEST_CASE("the real environment wins over the env file") {
  auto r = load({{"APP_PORT", "9001"}}, {{"APP_PORT", "9002"}, {"MIN_REPLICAS", "4"}});
  REQUIRE(r.loaded);
  CHECK(r.loaded->values.service.app_port == 9001);
  CHECK(r.loaded->values.pool.min_replicas == 4);
  CHECK(r.loaded->origins.at("APP_PORT") == value_origin::environment);
  CHECK(r.loaded->origins.at("MIN_REPLICAS") == value_origin::env_file);
  CHECK(r.loaded->origins.at("MAX_REPLICAS") == value_origin::defaulted);
}

TEST_CASE("unknown variables are ignored") {
  CHECK(ok({{"NOT_AN_ACEPOOL_VARIABLE", "x"}}).service.app_port == 8000);
}

TEST_CASE("every variable rejects a bad value naming the variable, the value and what is allowed") {
  for (const auto& spec : setting_specs()) {
    if (spec.allowed == "any non-empty text") continue;  // free text has no bad value
    INFO(spec.name);
    auto err = error_of({{spec.name, "not valid!"}});
    CHECK(err.find(spec.name + "=\"not valid!\"") != std::string::npos);
    CHECK(err.find(spec.allowed) != std::string::npos);
    CHECK(err.find('\n') == std::string::npos);
  }
}

TEST_CASE("values outside their bounds are rejected") {
  CHECK_THAT(error_of({{"MAX_REPLICAS", "0"}}), Catch::Contains("MAX_REPLICAS=\"0\""));
  CHECK_THAT(error_of({{"HEALTH_CHECK_INTERVAL_S", "0.05"}}), Catch::Contains("from 0.1 to 3600"));
  CHECK_THAT(error_of({{"APP_PORT", "65536"}}), Catch::Contains("APP_PORT"));
  CHECK_THAT(error_of({{"ENGINE_MEMORY_LIMIT", "1m"}}), Catch::Contains("at least 6m"));
  CHECK_THAT(error_of({{"RELAY_BUFFER_BYTES", "1000"}}), Catch::Contains("RELAY_BUFFER_BYTES"));
}

TEST_CASE(
    "an empty value leaves an optional variable unset but is invalid where a default exists") {
  auto s = ok({{"API_KEY", ""}, {"RELAY_PORT", ""}, {"GLUETUN_CONTAINER_NAME", ""}});
  CHECK_FALSE(s.service.api_key);
  CHECK_FALSE(s.service.relay_port);
  CHECK_FALSE(s.vpn.enabled());
  CHECK_THAT(error_of({{"APP_PORT", ""}}), Catch::Contains("APP_PORT=\"\""));
}

TEST_CASE("typed values of every kind land in the settings") {
  auto s = ok({{"API_KEY", "k"},
               {"API_KEY_READS", "yes"},
               {"CORS_ORIGINS", "https://a.example"},
               {"SHUTDOWN_TIMEOUT_S", "2.5"},
               {"RELAY_PORT", "8080"},
               {"LOG_FORMAT", "text"},
               {"DB_URL", "sqlite:////var/lib/acepool/acepool.db"},
               {"DOCKER_HOST", "tcp://127.0.0.1:2375"},
               {"DOCKER_API_VERSION", "1.41"},
               {"IMAGE_PULL_POLICY", "never"},
               {"ALLOWED_IMAGES", "a:1, b:2"},
               {"CONTAINER_LABEL", "acepool.test=run1"},
               {"ENGINE_ACCESS", "host"},
               {"ENGINE_MEMORY_LIMIT", "512m"},
               {"ENGINE_EXTRA_ENV", "A=1;B=2"},
               {"STATIC_ENGINES", "10.0.0.1:6878"},
               {"AUTO_DELETE", "1"},
               {"GLUETUN_CONTAINER_NAME", "gluetun"},
               {"GLUETUN_PORT_RANGE", "20000-20019"}});
  CHECK(s.service.api_key == "k");
  CHECK(s.service.api_key_reads);
  CHECK(s.service.cors_origins == std::vector<std::string>{"https://a.example"});
  CHECK(s.service.shutdown_timeout == milliseconds(2500));
  CHECK(s.service.relay_port == 8080);
  CHECK(s.service.format == log_format::text);
  CHECK(s.service.db_path == "/var/lib/acepool/acepool.db");
  CHECK(s.docker.host.kind == docker_endpoint::transport::tcp);
  CHECK(s.docker.api_version == "1.41");
  CHECK(s.docker.image_pull_policy == pull_policy::never);
  CHECK(s.docker.allowed_images == std::vector<std::string>{"a:1", "b:2"});
  CHECK(s.docker.container_label.second == "run1");
  CHECK(s.docker.access == engine_access::host);
  CHECK(s.docker.engine_memory_limit == 512ull << 20);
  CHECK(s.docker.engine_extra_env.size() == 2);
  CHECK(s.pool.static_engines == std::vector<host_port>{{"10.0.0.1", 6878}});
  CHECK(s.pool.auto_delete);
  CHECK(s.vpn.enabled());
  CHECK(s.vpn.gluetun_port_range == port_range{20000, 20019});
}

TEST_CASE("rule: MIN_REPLICAS and MIN_FREE_REPLICAS must not exceed MAX_REPLICAS") {
  CHECK_THAT(error_of({{"MIN_REPLICAS", "5"}, {"MAX_REPLICAS", "3"}}),
             Catch::Contains("MIN_REPLICAS=5 must not exceed MAX_REPLICAS=3"));
  CHECK_THAT(error_of({{"MIN_FREE_REPLICAS", "4"}, {"MAX_REPLICAS", "3"}}),
             Catch::Contains("MIN_FREE_REPLICAS=4 must not exceed MAX_REPLICAS=3"));
  CHECK(ok({{"MIN_REPLICAS", "3"}, {"MAX_REPLICAS", "3"}}).pool.min_replicas == 3);
}

TEST_CASE("rule: the active mode's port ranges must not overlap") {
  CHECK_THAT(error_of({{"PORT_RANGE_HOST", "45000-45100"}}),
             Catch::Contains("PORT_RANGE_HOST=45000-45100 overlaps ACE_HTTPS_RANGE=45000-49999"));
  // In VPN mode PORT_RANGE_HOST is unused, so only the Gluetun window counts.
  CHECK(ok({{"PORT_RANGE_HOST", "45000-45100"}, {"GLUETUN_CONTAINER_NAME", "g"}}).vpn.enabled());
  CHECK_THAT(error_of({{"GLUETUN_CONTAINER_NAME", "g"}, {"GLUETUN_PORT_RANGE", "49990-50010"}}),
             Catch::Contains("GLUETUN_PORT_RANGE=49990-50010 overlaps ACE_HTTPS_RANGE"));
  CHECK_THAT(error_of({{"ENGINE_ACCESS", "network"},
                       {"DOCKER_NETWORK", "n"},
                       {"ACE_HTTP_RANGE", "45000-45010"}}),
             Catch::Contains("ACE_HTTP_RANGE=45000-45010 overlaps ACE_HTTPS_RANGE"));
}

TEST_CASE("rule: protecting reads or metrics needs a key to protect them with") {
  CHECK_THAT(error_of({{"API_KEY_READS", "true"}}),
             Catch::Contains("API_KEY_READS=true protects nothing without API_KEY"));
  CHECK_THAT(error_of({{"METRICS_AUTH", "true"}}),
             Catch::Contains("METRICS_AUTH=true protects nothing without API_KEY"));
  CHECK(ok({{"API_KEY", "k"}, {"METRICS_AUTH", "true"}}).service.metrics_auth);
}

TEST_CASE("rule: GENERIC_PORT_RANGE stays out of the engines' ranges") {
  CHECK_THAT(
      error_of({{"GENERIC_PORT_RANGE", "19990-20010"}}),
      Catch::Contains("GENERIC_PORT_RANGE=19990-20010 overlaps PORT_RANGE_HOST=19000-19999"));
  CHECK(ok({{"GENERIC_PORT_RANGE", "30000-30010"}}).docker.generic_port_range->low == 30000);
  CHECK_FALSE(ok({}).docker.generic_port_range);
  CHECK(ok({}).docker.max_generic_containers == 10);
  CHECK(ok({}).service.cors_origins.empty());  // no CORS unless asked for
}

TEST_CASE("rule: a range smaller than its cap is a warning, not an error") {
  auto r = load({{"PORT_RANGE_HOST", "19000-19004"}, {"MAX_REPLICAS", "10"}, {"API_KEY", "k"}});
  REQUIRE(r.loaded);
  CHECK(has_warning(r, "PORT_RANGE_HOST=19000-19004 holds 5 ports but MAX_REPLICAS=10 needs 10"));
  auto https =
      load({{"PORT_RANGE_HOST", "19000-19015"}, {"MAX_REPLICAS", "10"}, {"ACE_MAP_HTTPS", "true"}});
  REQUIRE(https.loaded);
  CHECK(has_warning(https, "needs 20"));
  auto vpn = load({{"GLUETUN_CONTAINER_NAME", "g"}, {"GLUETUN_PORT_RANGE", "19000-19004"}});
  REQUIRE(vpn.loaded);
  CHECK(has_warning(
      vpn, "GLUETUN_PORT_RANGE=19000-19004 holds fewer ports than MAX_ACTIVE_REPLICAS=20"));
}

TEST_CASE("rule: API_LONG_OPERATION_TIMEOUT_S must be at least PROVISION_TIMEOUT_S") {
  CHECK_THAT(
      error_of({{"API_LONG_OPERATION_TIMEOUT_S", "60"}}),
      Catch::Contains("API_LONG_OPERATION_TIMEOUT_S=60 must be at least PROVISION_TIMEOUT_S=120"));
  CHECK(ok({{"API_LONG_OPERATION_TIMEOUT_S", "60"}, {"PROVISION_TIMEOUT_S", "60"}})
            .docker.provision_timeout == milliseconds(60000));
}

TEST_CASE("rule: APP_PORT and RELAY_PORT differ") {
  CHECK_THAT(error_of({{"APP_PORT", "8080"}, {"RELAY_PORT", "8080"}}),
             Catch::Contains("RELAY_PORT=8080 must differ from APP_PORT=8080"));
}

TEST_CASE("rule: network access needs a network") {
  CHECK_THAT(error_of({{"ENGINE_ACCESS", "network"}}),
             Catch::Contains("ENGINE_ACCESS=network needs DOCKER_NETWORK"));
  CHECK(ok({{"ENGINE_ACCESS", "network"}, {"DOCKER_NETWORK", "acestream"}}).docker.access ==
        engine_access::network);
}

TEST_CASE("acexy's MAX_STREAMS alias works alone, agrees, or is rejected when it disagrees") {
  CHECK(ok({{"ACEXY_MAX_STREAMS_PER_ENGINE", "3"}}).pool.max_streams_per_engine == 3);
  CHECK(ok({{"ACEXY_MAX_STREAMS_PER_ENGINE", "3"}, {"MAX_STREAMS_PER_ENGINE", "3"}})
            .pool.max_streams_per_engine == 3);
  CHECK_THAT(error_of({{"ACEXY_MAX_STREAMS_PER_ENGINE", "3"}, {"MAX_STREAMS_PER_ENGINE", "2"}}),
             Catch::Contains("MAX_STREAMS_PER_ENGINE=\"2\" and its alias "
                             "ACEXY_MAX_STREAMS_PER_ENGINE=\"3\" disagree"));
  CHECK_THAT(error_of({{"ACEXY_MAX_STREAMS_PER_ENGINE", "many"}}),
             Catch::Contains("ACEXY_MAX_STREAMS_PER_ENGINE=\"many\""));
}

TEST_CASE("acexy's HLS switch is read as acexy reads it") {
  CHECK(ok({{"ACEXY_M3U8", "true"}}).relay.acexy_m3u8);
  CHECK(ok({{"ACEXY_M3U8", "T"}}).relay.acexy_m3u8);  // Go's strconv.ParseBool, as acexy
  CHECK_FALSE(ok({{"ACEXY_M3U8", "F"}}).relay.acexy_m3u8);
  CHECK_FALSE(ok({}).relay.acexy_m3u8);
  // acexy takes a value it cannot read (empty included) as false; acepool says so and stops
  // (exit 2), as for every setting.
  CHECK_THAT(
      error_of({{"ACEXY_M3U8", "hls please"}}),
      Catch::Contains("ACEXY_M3U8=\"hls please\" is not allowed: expected true, false, t, f"));
  CHECK_THAT(error_of({{"ACEXY_M3U8", ""}}), Catch::Contains("ACEXY_M3U8=\"\""));
}

TEST_CASE("acexy's Go-duration timeouts map to the relay timeouts") {
  auto s = ok({{"ACEXY_NO_RESPONSE_TIMEOUT", "1m"}, {"ACEXY_EMPTY_TIMEOUT", "45s"}});
  CHECK(s.relay.stream_start_timeout == milliseconds(60000));
  CHECK(s.relay.stream_empty_timeout == milliseconds(45000));
  CHECK_THAT(error_of({{"ACEXY_EMPTY_TIMEOUT", "45"}}), Catch::Contains("a Go duration"));
  CHECK_THAT(error_of({{"ACEXY_EMPTY_TIMEOUT", "10m"}, {"STREAM_EMPTY_TIMEOUT_S", "30"}}),
             Catch::Contains("disagree"));
  CHECK_THAT(error_of({{"ACEXY_NO_RESPONSE_TIMEOUT", "2h"}}),
             Catch::Contains("as STREAM_START_TIMEOUT_S"));
}

TEST_CASE("acexy's ACEXY_HOST/ACEXY_PORT become one more static engine") {
  CHECK(ok({{"ACEXY_HOST", "10.1.1.1"}}).pool.static_engines ==
        std::vector<host_port>{{"10.1.1.1", 6878}});
  CHECK(ok({{"ACEXY_PORT", "7000"}}).pool.static_engines ==
        std::vector<host_port>{{"localhost", 7000}});
  auto both = ok({{"STATIC_ENGINES", "a:1"}, {"ACEXY_HOST", "b"}, {"ACEXY_PORT", "2"}});
  CHECK(both.pool.static_engines == std::vector<host_port>{{"a", 1}, {"b", 2}});
  CHECK(ok({{"STATIC_ENGINES", "b:2"}, {"ACEXY_HOST", "b"}, {"ACEXY_PORT", "2"}})
            .pool.static_engines.size() == 1);
}

TEST_CASE("secrets are never echoed in errors") {
  // A secret has no invalid value, so use a rule failure elsewhere and check the key stays out.
  auto r = load({{"API_KEY", "hunter2"}, {"MIN_REPLICAS", "9"}, {"MAX_REPLICAS", "1"}});
  REQUIRE_FALSE(r.loaded);
  CHECK(r.error.find("hunter2") == std::string::npos);
}

TEST_CASE("swarm mode: placement settings parse, VPN engines are refused") {
  auto r = load({{"ORCHESTRATOR", "swarm"},
                 {"SWARM_CONSTRAINTS", "node.labels.acepool==engines, node.role!=manager"},
                 {"ENGINE_CPU_LIMIT", "1.5"},
                 {"MAX_REPLICAS_PER_NODE", "4"}});
  REQUIRE(r.loaded);
  const auto& s = r.loaded->values;
  CHECK(s.docker.orchestrator == orchestrator_mode::swarm);
  CHECK(s.docker.swarm_constraints ==
        std::vector<std::string>{"node.labels.acepool==engines", "node.role!=manager"});
  CHECK(s.docker.engine_nano_cpus == 1'500'000'000);
  CHECK(s.docker.max_engines_per_node == 4);
  // Swarm publishes engine ports on every interface of a node: said at start.
  CHECK(has_warning(r, "every interface"));
  CHECK_THAT(error_of({{"ORCHESTRATOR", "swarm"}, {"GLUETUN_CONTAINER_NAME", "g"}}),
             Catch::Contains("ORCHESTRATOR=swarm cannot run VPN engines"));
  for (const char* bad : {"node.labels.a", "a == b", "x=\"1\"", "==x", "node.role==", "a==b==c",
                          "node.labels.\xff==x", "a!==b", "a=!b", "node.role<>manager"})
    CHECK_THAT(error_of({{"SWARM_CONSTRAINTS", bad}}), Catch::Contains("SWARM_CONSTRAINTS"));
  for (const char* bad : {"0", "0.001", "2000", "1,5", "-1", "x"})
    CHECK_THAT(error_of({{"ENGINE_CPU_LIMIT", bad}}), Catch::Contains("ENGINE_CPU_LIMIT"));
  CHECK_THAT(error_of({{"ORCHESTRATOR", "kubernetes"}}), Catch::Contains("ORCHESTRATOR"));
  for (const char* bad : {"-1", "x", "99999999999"})
    CHECK_THAT(error_of({{"MAX_REPLICAS_PER_NODE", bad}}),
               Catch::Contains("MAX_REPLICAS_PER_NODE"));
  CHECK(has_warning(load({{"MAX_REPLICAS_PER_NODE", "2"}}), "ORCHESTRATOR=swarm only"));
}
