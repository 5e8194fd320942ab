#include "tests/common/sim_process.hpp"

#include <catch2/catch.hpp>

#include "tests/common/http_client.hpp"

namespace acepool::testing {

const std::string& sim_binary() {
  static const std::string path = ACEPOOL_SIM_BINARY;
  return path;
}

sim_process::sim_process(const std::map<std::string, std::string>& env, std::string mode,
                         uint16_t port) {
  process_ = std::make_unique<child_process>(
      sim_binary(), std::vector<std::string>{mode, "--http-port=" + std::to_string(port)}, env);
  uint16_t found = 0;
  bool listening = eventually(
      [&] {
        auto out = process_->stdout_text();
        auto pos = out.find("\"port\":");
        if (pos == std::string::npos || out.find('\n', pos) == std::string::npos) return false;
        found = static_cast<uint16_t>(std::stoi(out.substr(pos + 7)));
        return true;
      },
      std::chrono::seconds(20));
  INFO(process_->stderr_text());
  REQUIRE(listening);
  port_ = found;
}

std::string sim_process::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

nlohmann::json sim_process::get_json(const std::string& path,
                                     std::vector<std::string> headers) const {
  auto r = http_get(url(path), std::move(headers));
  return nlohmann::json::parse(r.body, nullptr, false);
}

nlohmann::json sim_process::control(const nlohmann::json& knobs) const {
  http_request r;
  r.method = "POST";
  r.url = url("/sim/control");
  r.body = knobs.dump();
  auto reply = http_call(r);
  REQUIRE(reply.status == 200);
  return nlohmann::json::parse(reply.body, nullptr, false);
}

nlohmann::json sim_process::stats() const {
  return get_json("/sim/stats");
}

nlohmann::json sim_process::start_session(const std::string& id) const {
  auto j = get_json("/ace/getstream?id=" + id + "&format=json");
  if (!j.is_object() || !j.contains("response")) return nullptr;
  return j["response"];
}

}  // namespace acepool::testing
