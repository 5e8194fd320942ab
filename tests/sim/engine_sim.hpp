#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <asio.hpp>

#include "tests/sim/knobs.hpp"
#include "tests/sim/sim_http.hpp"

namespace acepool::sim {

/// The AceStream engine of docs/simulator.md: getstream with JSON sessions, paced MPEG-TS playback,
/// stat and command URLs, the status APIs, fault knobs and /sim/stats.
class engine_sim {
 public:
  engine_sim(asio::io_context& io, knobs& k, uint16_t port);
  ~engine_sim();
  void handle(const std::shared_ptr<connection>& c, request& r);

  struct session;
  class playback;

 private:
  void getstream(const std::shared_ptr<connection>& c, request& r);
  void play(const std::shared_ptr<connection>& c, const std::string& token);
  void stat(const std::shared_ptr<connection>& c, const std::string& token);
  void command(const std::shared_ptr<connection>& c, request& r, const std::string& token);
  void server_api(const std::shared_ptr<connection>& c, request& r);
  void sim_stats(const std::shared_ptr<connection>& c);
  void sim_control(const std::shared_ptr<connection>& c, request& r);
  void reply_later(const std::shared_ptr<connection>& c, response r, int delay_ms);
  void reap_idle_sessions();

  asio::io_context& io_;
  knobs& knobs_;
  uint16_t port_;
  asio::steady_timer reaper_;
  std::map<std::string, std::shared_ptr<session>> sessions_;  // by token

 public:
  /// Counters behind /sim/stats.
  struct counters {
    uint64_t sessions_started = 0;
    uint64_t playback_connections = 0;
    uint64_t bytes_sent = 0;
    uint64_t stops = 0;
    uint64_t stat_requests = 0;  ///< GET /ace/stat/..., known session or not
  } stats;
};

}  // namespace acepool::sim
