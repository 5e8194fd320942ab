#pragma once

#include <memory>
#include <string>

#include "tests/sim/knobs.hpp"
#include "tests/sim/sim_http.hpp"

namespace acepool::sim {

/// Gluetun's control server as docs/simulator.md describes it: VPN status (settable with PUT as
/// Gluetun does), forwarded port, public IP, and the X-API-Key check of current releases.
class gluetun_sim {
 public:
  explicit gluetun_sim(knobs& k) : knobs_(k) {}
  void handle(const std::shared_ptr<connection>& c, request& r);

 private:
  knobs& knobs_;
  std::string vpn_status_ = "running";
};

}  // namespace acepool::sim
