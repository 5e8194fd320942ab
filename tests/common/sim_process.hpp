#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/common/child_process.hpp"
#include "tests/common/engine_endpoint.hpp"

namespace acepool::testing {

/// acepool-sim started as a plain process on a loopback port for tests.
class sim_process {
 public:
  /// Starts `acepool-sim <mode> --http-port=<port>` (0 = any free port) with `env` added.
  explicit sim_process(const std::map<std::string, std::string>& env, std::string mode = "engine",
                       uint16_t port = 0);
  /// Same, for a braced list of variables (`sim_process sim({{"SIM_PEERS", "3"}})`).
  explicit sim_process(std::initializer_list<std::pair<const std::string, std::string>> env = {},
                       std::string mode = "engine", uint16_t port = 0)
      : sim_process(std::map<std::string, std::string>(env), std::move(mode), port) {}
  sim_process(const sim_process&) = delete;
  sim_process& operator=(const sim_process&) = delete;

  uint16_t port() const { return port_; }
  /// The calls a test makes to it.
  engine_endpoint endpoint() const { return engine_endpoint(port_); }
  std::string url(const std::string& path) const;
  /// GET `path`, body parsed as JSON (null when not JSON or on failure).
  nlohmann::json get_json(const std::string& path, std::vector<std::string> headers = {}) const;
  /// POST /sim/control with `knobs`; the answer.
  nlohmann::json control(const nlohmann::json& knobs) const;
  /// GET /sim/stats.
  nlohmann::json stats() const;
  /// GET /ace/getstream?id=<id>&format=json, the "response" object (null when none).
  nlohmann::json start_session(const std::string& id) const;
  child_process& process() { return *process_; }

 private:
  std::unique_ptr<child_process> process_;
  uint16_t port_ = 0;
};

/// Path of the simulator binary.
const std::string& sim_binary();

}  // namespace acepool::testing
