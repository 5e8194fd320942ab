#include "tests/common/engine_endpoint.hpp"

#include <catch2/catch.hpp>

#include "tests/common/http_client.hpp"

namespace acepool::testing {

std::string engine_endpoint::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

nlohmann::json engine_endpoint::get_json(const std::string& path,
                                         std::vector<std::string> headers) const {
  auto r = http_get(url(path), std::move(headers));
  return nlohmann::json::parse(r.body, nullptr, false);
}

nlohmann::json engine_endpoint::control(const nlohmann::json& knobs) const {
  http_request r;
  r.method = "POST";
  r.url = url("/sim/control");
  r.body = knobs.dump();
  auto reply = http_call(r);
  REQUIRE(reply.status == 200);
  return nlohmann::json::parse(reply.body, nullptr, false);
}

nlohmann::json engine_endpoint::stats() const {
  return get_json("/sim/stats");
}

nlohmann::json engine_endpoint::start_session(const std::string& id) const {
  auto j = get_json("/ace/getstream?id=" + id + "&format=json");
  if (!j.is_object() || !j.contains("response")) return nullptr;
  return j["response"];
}

}  // namespace acepool::testing
