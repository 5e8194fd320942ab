// The one definition of "connected" and the /vpn/status document.
#include <catch2/catch.hpp>

#include "actors/vpn/vpn_state.hpp"

using namespace acepool::actors;

TEST_CASE("vpn connected needs a running container, healthy or no healthcheck, and VPN running") {
  CHECK(vpn_connected("running", std::string("healthy"), "running"));
  CHECK(vpn_connected("running", std::nullopt, "running"));
  CHECK_FALSE(vpn_connected("running", std::string("unhealthy"), "running"));
  CHECK_FALSE(vpn_connected("running", std::string("starting"), "running"));
  CHECK_FALSE(vpn_connected("running", std::string("healthy"), "stopped"));
  CHECK_FALSE(vpn_connected("running", std::string("healthy"), "unknown"));
  CHECK_FALSE(vpn_connected("exited", std::nullopt, "running"));
  CHECK_FALSE(vpn_connected("not_found", std::nullopt, "running"));
}

TEST_CASE("vpn snapshot: an engine's port is found among Gluetun's published ports") {
  vpn_snapshot on;
  on.published = {{8000, 18000}, {19000, 29000}};
  CHECK(on.host_port(19000) == std::optional<uint16_t>(29000));
  CHECK_FALSE(on.host_port(19001).has_value());
}

TEST_CASE("Gluetun's answers are read field by field, anything odd as unknown") {
  using namespace acepool::actors;
  CHECK(read_vpn_status(200, R"({"status":"running"})") == "running");
  CHECK(read_vpn_status(200, R"({"status":5})") == "unknown");
  CHECK(read_vpn_status(401, R"({"status":"running"})") == "unknown");
  CHECK(read_vpn_status(200, "not json") == "unknown");
  CHECK(read_forwarded_port(200, R"({"port":51820})") == std::optional<uint16_t>(51820));
  for (const char* odd : {R"({"port":0})", R"({"port":70000})", R"({"port":-1})",
                          R"({"port":18446744073709551615})", R"({"port":"51820"})", "{}"}) {
    auto a = read_forwarded_port(200, odd);
    REQUIRE(a);       // an answer ...
    CHECK_FALSE(*a);  // ... without a usable port
  }
  CHECK_FALSE(read_forwarded_port(200, "[1]"));  // no answer at all
  auto ip = read_public_ip(200, R"({"public_ip":"198.18.0.7","country":"Nowhere"})");
  REQUIRE(ip);
  CHECK(ip->ip == std::optional<std::string>("198.18.0.7"));
  CHECK_FALSE(read_public_ip(200, R"({"public_ip":1})")->ip);
  acepool::docker::port_map ports{{"8000/tcp", {{"127.0.0.1", 8001}}},
                                  {"8000/udp", {{"127.0.0.1", 9001}}},
                                  {"99999/tcp", {{"127.0.0.1", 1}}},
                                  {"x/tcp", {{"127.0.0.1", 2}}},
                                  {"19000/tcp", {}}};
  CHECK(read_published_tcp_ports(ports) == std::map<uint16_t, uint16_t>{{8000, 8001}});
}
