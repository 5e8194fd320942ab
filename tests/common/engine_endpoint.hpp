#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace acepool::testing {

/// An engine (the simulator, as a process or a container) reached on 127.0.0.1:<port>, with the
/// calls tests make to it directly.
class engine_endpoint {
 public:
  explicit engine_endpoint(uint16_t port) : port_(port) {}

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;
  /// GET `path`, body parsed as JSON (null when not JSON or on failure).
  nlohmann::json get_json(const std::string& path, std::vector<std::string> headers = {}) const;
  /// POST /sim/control with `knobs`; the answer.
  nlohmann::json control(const nlohmann::json& knobs) const;
  /// GET /sim/stats.
  nlohmann::json stats() const;
  /// GET /ace/getstream?id=<id>&format=json, the "response" object (null when none).
  nlohmann::json start_session(const std::string& id) const;

 private:
  uint16_t port_;
};

}  // namespace acepool::testing
