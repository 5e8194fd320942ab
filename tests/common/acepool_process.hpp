#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/common/child_process.hpp"
#include "tests/common/http_client.hpp"

namespace acepool::testing {

/// A block of 40 host ports for one test, held through a lock file so that tests running in
/// parallel never share a PORT_RANGE_HOST.
class port_block {
 public:
  port_block();
  ~port_block();
  port_block(const port_block&) = delete;
  port_block& operator=(const port_block&) = delete;
  uint16_t low() const { return low_; }
  uint16_t high() const { return static_cast<uint16_t>(low_ + 39); }
  std::string range() const { return std::to_string(low()) + "-" + std::to_string(high()); }

 private:
  int fd_ = -1;
  uint16_t low_ = 0;
};

/// The acepool binary started as an operator starts it (APP_PORT=0 on 127.0.0.1, no database on
/// disk), with `env` on top; helpers for its API.
class acepool_process {
 public:
  /// `open_file_limit` > 0 starts it under that RLIMIT_NOFILE (soft and hard, via prlimit);
  /// `binary` replaces the one under test (e.g. a copy, as an upgraded binary).
  explicit acepool_process(std::map<std::string, std::string> env,
                           std::vector<std::string> args = {}, uint64_t open_file_limit = 0,
                           const std::string& binary = {});
  ~acepool_process();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;
  http_reply get(const std::string& path, std::vector<std::string> headers = {}) const;
  http_reply post(const std::string& path, const std::string& body = "{}") const;
  http_reply del(const std::string& path) const;
  /// GET /engines, parsed.
  nlohmann::json engines() const;
  /// GET /debug/actors/{name}, the "state" member.
  nlohmann::json actor_state(const std::string& name) const;
  /// Sends `sig` and waits for the exit code.
  std::optional<int> stop(int sig = 15);
  child_process& process() { return *process_; }

 private:
  std::unique_ptr<child_process> process_;
  uint16_t port_ = 0;
};

/// Path of the acepool binary under test.
const std::string& acepool_binary();

}  // namespace acepool::testing
