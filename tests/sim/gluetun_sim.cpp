#include "tests/sim/gluetun_sim.hpp"

#include <nlohmann/json.hpp>

namespace acepool::sim {

using nlohmann::json;

void gluetun_sim::handle(const std::shared_ptr<connection>& c, request& r) {
  const auto& p = r.path;
  if (p == "/sim/control" && (r.method == "PUT" || r.method == "POST")) {
    auto body = json::parse(r.body, nullptr, false);
    if (body.is_discarded()) return c->reply(json_response(400, R"({"error":"body is not JSON"})"));
    if (auto err = knobs_.set_json(body))
      return c->reply(json_response(400, json{{"error", *err}}.dump()));
    return c->reply(
        json_response(200, json{{"knobs", knobs_.to_json()}, {"status", vpn_status_}}.dump()));
  }
  if (p == "/sim/stats")
    return c->reply(
        json_response(200, json{{"status", vpn_status_}, {"knobs", knobs_.to_json()}}.dump()));
  if (!knobs_.api_key.empty() && r.header("x-api-key") != knobs_.api_key)
    return c->reply(json_response(401, R"({"error":"missing or wrong X-API-Key"})"));
  if (p == "/v1/openvpn/status" || p == "/v1/vpn/status") {
    if (r.method == "PUT") {
      auto body = json::parse(r.body, nullptr, false);
      auto status = body.is_object() ? body.value("status", "") : "";
      if (status != "running" && status != "stopped")
        return c->reply(json_response(400, R"({"error":"status must be running or stopped"})"));
      vpn_status_ = status;
      return c->reply(json_response(200, R"({"outcome":"ok"})"));
    }
    return c->reply(json_response(200, json{{"status", vpn_status_}}.dump()));
  }
  if (p == "/v1/portforward" || p == "/v1/openvpn/portforwarded")
    return c->reply(json_response(200, json{{"port", knobs_.forwarded_port}}.dump()));
  if (p == "/v1/publicip/ip")
    return c->reply(json_response(
        200,
        R"({"public_ip":"203.0.113.7","country":"Netherlands","city":"Amsterdam","region":"North Holland"})"));
  c->reply(json_response(404, R"({"error":"not found"})"));
}

}  // namespace acepool::sim
