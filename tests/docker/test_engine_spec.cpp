#include <catch2/catch.hpp>

#include <algorithm>

#include "config/settings_loader.hpp"
#include "docker/engine_spec.hpp"

using namespace acepool;
using namespace acepool::docker;

namespace {

config::settings settings_from(config::env_map env) {
  auto r = config::load_settings(env, {});
  REQUIRE(r.loaded);
  return r.loaded->values;
}

bool has_env(const container_spec& s, const std::string& kv) {
  return std::find(s.env.begin(), s.env.end(), kv) != s.env.end();
}

}  // namespace

TEST_CASE("an engine container carries docs/behaviour.md's labels, env, ports and restart policy") {
  auto s = settings_from({{"ENGINE_EXTRA_ENV", "EXTRA=1"}, {"ENGINE_MEMORY_LIMIT", "512m"}});
  engine_spec_input in;
  in.name = "acestream-3";
  in.image = "img:1";
  in.caller_labels = {{"team", "a"}};
  in.caller_env = {{"USER_VAR", "x"}};
  in.ports = {19005, 45005, uint16_t{19005}, std::nullopt};
  auto spec = build_engine_spec(s, in);
  CHECK(spec.name == "acestream-3");
  CHECK(spec.labels.at("orchestrator.managed") == "acestream");
  CHECK(spec.labels.at("acestream.http_port") == "19005");
  CHECK(spec.labels.at("acestream.https_port") == "45005");
  CHECK(spec.labels.at("host.http_port") == "19005");
  CHECK_FALSE(spec.labels.count("host.https_port"));
  CHECK(spec.labels.at("team") == "a");
  CHECK(has_env(spec, "HTTP_PORT=19005"));
  CHECK(has_env(spec, "HTTPS_PORT=45005"));
  CHECK(has_env(spec, "BIND_ALL=true"));
  CHECK(has_env(spec, "INTERNAL_BUFFERING=60"));
  CHECK(has_env(spec, "CACHE_LIMIT=1"));
  CHECK(has_env(spec, "CONF=--http-port=19005\n--https-port=45005\n--bind-all"));
  CHECK(has_env(spec, "EXTRA=1"));
  CHECK(has_env(spec, "USER_VAR=x"));
  CHECK_FALSE(std::any_of(spec.env.begin(), spec.env.end(),
                          [](const std::string& e) { return e.rfind("P2P_PORT", 0) == 0; }));
  CHECK(spec.ports.at("19005/tcp").front() == port_binding{"127.0.0.1", 19005});
  CHECK(spec.restart_policy == "no");
  CHECK(spec.memory_bytes == 512ull << 20);
  CHECK_FALSE(spec.network_mode);
}

TEST_CASE("a caller CONF replaces acepool's, and extra env comes before caller env") {
  auto s = settings_from({});
  engine_spec_input in;
  in.caller_env = {{"CONF", "--http-port=19009"}};
  in.ports = {19009, 45000, uint16_t{19009}, std::nullopt};
  auto spec = build_engine_spec(s, in);
  CHECK(has_env(spec, "CONF=--http-port=19009"));
  CHECK(std::count_if(spec.env.begin(), spec.env.end(),
                      [](const std::string& e) { return e.rfind("CONF=", 0) == 0; }) == 1);
  auto ports = parse_conf_ports("--http-port=19009\n--https-port=45001\n--bind-all");
  REQUIRE(ports);
  CHECK(ports->http == 19009);
  CHECK(ports->https == 45001);
  CHECK_FALSE(parse_conf_ports("--http-port=abc"));
  CHECK_FALSE(parse_conf_ports("--http-port=70000"));
  CHECK_FALSE(parse_conf_ports("--bind-all")->http);
}

TEST_CASE("HTTPS is published too with ACE_MAP_HTTPS, DOCKER_NETWORK is joined") {
  auto s = settings_from({{"DOCKER_NETWORK", "acenet"}, {"ENGINE_PUBLISH_ADDRESS", "0.0.0.0"}});
  engine_spec_input in;
  in.ports = {19001, 45001, uint16_t{19001}, uint16_t{19002}};
  auto spec = build_engine_spec(s, in);
  CHECK(spec.network_mode == "acenet");
  CHECK(spec.ports.at("45001/tcp").front() == port_binding{"0.0.0.0", 19002});
  CHECK(spec.labels.at("host.https_port") == "19002");
}

TEST_CASE(
    "in VPN mode the engine joins Gluetun's namespace, publishes nothing and may be the forwarded "
    "one") {
  auto s = settings_from({{"GLUETUN_CONTAINER_NAME", "gluetun"}});
  engine_spec_input in;
  in.ports = {19000, 45000, std::nullopt, std::nullopt};
  in.vpn_container = "gluetun";
  in.p2p_port = 54321;
  auto spec = build_engine_spec(s, in);
  CHECK(spec.network_mode == "container:gluetun");
  CHECK(spec.ports.empty());
  CHECK(spec.labels.at("acestream.vpn_container") == "gluetun");
  CHECK(spec.labels.at("acestream.forwarded") == "true");
  CHECK(spec.labels.at("acestream.forwarded_port") == "54321");
  CHECK(has_env(spec, "P2P_PORT=54321"));
}

TEST_CASE("caller labels and env may not override acepool's keys") {
  auto s = settings_from({});
  CHECK_THAT(*check_caller_keys(s, {{"orchestrator.managed", "x"}}, {}),
             Catch::Contains("orchestrator.managed"));
  CHECK(check_caller_keys(s, {{"acestream.http_port", "1"}}, {}));
  CHECK(check_caller_keys(s, {}, {{"HTTP_PORT", "1"}}));
  CHECK(check_caller_keys(s, {}, {{"P2P_PORT", "1"}}));
  CHECK_FALSE(check_caller_keys(s, {{"team", "a"}}, {{"CONF", "--http-port=1"}}));
}

TEST_CASE("generic containers are labelled and publish their ports") {
  auto s = settings_from({});
  auto spec =
      build_generic_spec(s, "svc-1", "busybox", {{"A", "1"}}, {{"x", "y"}}, {{"8080/tcp", 19050}});
  CHECK(spec.labels.at("acepool.kind") == "generic");
  CHECK(spec.labels.at("orchestrator.managed") == "acestream");
  CHECK(spec.ports.at("8080/tcp").front().host_port == 19050);
  CHECK(is_generic(spec.labels));
  CHECK_FALSE(is_generic({{"acepool.kind", "engine"}}));
}

TEST_CASE("engine names are acestream-N with N one above the highest") {
  CHECK(next_name_index({}) == 1);
  CHECK(next_name_index({"acestream-1", "acestream-7", "other-9", "acestream-x", "acestream-"}) ==
        8);
  CHECK(next_name_index({"svc-2"}, "svc") == 3);
}
