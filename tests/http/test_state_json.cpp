#include <catch2/catch.hpp>

#include "http/state_json.hpp"

using namespace acepool::actors;
using acepool::http::vpn_status_json;
using acepool::http::vpn_summary_json;

TEST_CASE("vpn status document: disabled, and enabled with what the watcher saw") {
  vpn_snapshot off;
  auto d = vpn_status_json(off);
  CHECK(d == nlohmann::json{{"enabled", false},
                            {"status", "disabled"},
                            {"container", nullptr},
                            {"container_name", nullptr},
                            {"health", "unknown"},
                            {"connected", false},
                            {"forwarded_port", nullptr},
                            {"public_ip", nullptr},
                            {"last_check", nullptr},
                            {"last_check_at", nullptr}});
  vpn_snapshot on;
  on.enabled = true;
  on.container_name = "gluetun";
  on.container_id = "abc";
  on.status = "running";
  on.health = "healthy";
  on.vpn_status = "running";
  on.connected = true;
  on.forwarded_port = 54321;
  on.public_ip = "203.0.113.7";
  on.country = "Netherlands";
  on.last_check_at = std::chrono::system_clock::now();
  auto e = vpn_status_json(on);
  CHECK(e["enabled"] == true);
  CHECK(e["status"] == "running");
  CHECK(e["container"] == "gluetun");  // the orchestrator's: the name, as configured
  CHECK(e["container_id"] == "abc");
  CHECK(e["container_name"] == "gluetun");
  CHECK(e["vpn_status"] == "running");
  CHECK(e["connected"] == true);
  CHECK(e["forwarded_port"] == 54321);
  CHECK(e["public_ip"] == "203.0.113.7");
  CHECK(e["country"] == "Netherlands");
  CHECK(e["last_check_at"].get<std::string>().back() == 'Z');
  CHECK(e["last_check"] == e["last_check_at"]);
  auto summary = vpn_summary_json(on);
  CHECK(summary == nlohmann::json{{"enabled", true},
                                  {"connected", true},
                                  {"health", "healthy"},
                                  {"container", "gluetun"},
                                  {"forwarded_port", 54321}});
}
