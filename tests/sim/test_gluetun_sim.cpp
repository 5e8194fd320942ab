#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/common/http_client.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

http_reply put_json(const std::string& url, const json& body,
                    std::vector<std::string> headers = {}) {
  http_request r;
  r.method = "PUT";
  r.url = url;
  r.body = body.dump();
  r.headers = std::move(headers);
  return http_call(r);
}

int healthcheck(const sim_process& sim, std::map<std::string, std::string> env = {}) {
  return run_program(sim_binary(), {"healthcheck", "--url", sim.url("/v1/openvpn/status")}, env)
      .exit_code;
}

}  // namespace

TEST_CASE("the Gluetun control server reports and changes the VPN status") {
  sim_process sim({}, "gluetun");
  CHECK(sim.get_json("/v1/openvpn/status") == json{{"status", "running"}});
  CHECK(sim.get_json("/v1/vpn/status") == json{{"status", "running"}});
  CHECK(put_json(sim.url("/v1/openvpn/status"), {{"status", "stopped"}}).status == 200);
  CHECK(sim.get_json("/v1/openvpn/status") == json{{"status", "stopped"}});
  CHECK(sim.get_json("/v1/vpn/status") == json{{"status", "stopped"}});
  CHECK(put_json(sim.url("/v1/vpn/status"), {{"status", "running"}}).status == 200);
  CHECK(sim.get_json("/v1/openvpn/status") == json{{"status", "running"}});
  CHECK(put_json(sim.url("/v1/openvpn/status"), {{"status", "paused"}}).status == 400);
}

TEST_CASE("the forwarded port comes from SIM_FORWARDED_PORT and /sim/control") {
  sim_process sim({}, "gluetun");
  CHECK(sim.get_json("/v1/portforward") == json{{"port", 54321}});
  CHECK(sim.get_json("/v1/openvpn/portforwarded") == json{{"port", 54321}});
  put_json(sim.url("/sim/control"), {{"forwarded_port", 40123}});
  CHECK(sim.get_json("/v1/portforward") == json{{"port", 40123}});
  sim_process none({{"SIM_FORWARDED_PORT", "0"}}, "gluetun");
  CHECK(none.get_json("/v1/openvpn/portforwarded") == json{{"port", 0}});
}

TEST_CASE("the public IP route answers like Gluetun") {
  sim_process sim({}, "gluetun");
  auto ip = sim.get_json("/v1/publicip/ip");
  CHECK(ip["public_ip"] == "203.0.113.7");
  CHECK(ip["country"] == "Netherlands");
}

TEST_CASE("with SIM_API_KEY every control route needs X-API-Key") {
  sim_process sim({{"SIM_API_KEY", "k3y"}}, "gluetun");
  for (const auto* path :
       {"/v1/openvpn/status", "/v1/vpn/status", "/v1/portforward", "/v1/publicip/ip"}) {
    INFO(path);
    CHECK(http_get(sim.url(path)).status == 401);
    CHECK(http_get(sim.url(path), {"X-API-Key: wrong"}).status == 401);
    CHECK(http_get(sim.url(path), {"X-API-Key: k3y"}).status == 200);
  }
  CHECK(put_json(sim.url("/v1/openvpn/status"), {{"status", "stopped"}}).status == 401);
}

TEST_CASE("the healthcheck subcommand exits 0 while the VPN runs and 1 otherwise") {
  sim_process sim({}, "gluetun");
  CHECK(healthcheck(sim) == 0);
  put_json(sim.url("/v1/openvpn/status"), {{"status", "stopped"}});
  CHECK(healthcheck(sim) == 1);
  put_json(sim.url("/v1/openvpn/status"), {{"status", "running"}});
  CHECK(healthcheck(sim) == 0);
  CHECK(run_program(sim_binary(), {"healthcheck", "--url", "http://127.0.0.1:1/v1/openvpn/status"},
                    {})
            .exit_code == 1);
  sim_process keyed({{"SIM_API_KEY", "k"}}, "gluetun");
  CHECK(healthcheck(keyed) == 1);
  CHECK(healthcheck(keyed, {{"SIM_API_KEY", "k"}}) == 0);
}

TEST_CASE("the Gluetun mode reads its port from HTTP_CONTROL_SERVER_ADDRESS") {
  auto port = free_port();
  child_process p(sim_binary(), {"gluetun"},
                  {{"HTTP_CONTROL_SERVER_ADDRESS", ":" + std::to_string(port)}});
  CHECK(eventually([&] {
    return http_get("http://127.0.0.1:" + std::to_string(port) + "/v1/openvpn/status").status ==
           200;
  }));
}
