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
  return endpoint().url(path);
}

nlohmann::json sim_process::get_json(const std::string& path,
                                     std::vector<std::string> headers) const {
  return endpoint().get_json(path, std::move(headers));
}

nlohmann::json sim_process::control(const nlohmann::json& knobs) const {
  return endpoint().control(knobs);
}

nlohmann::json sim_process::stats() const {
  return endpoint().stats();
}

nlohmann::json sim_process::start_session(const std::string& id) const {
  return endpoint().start_session(id);
}

}  // namespace acepool::testing
