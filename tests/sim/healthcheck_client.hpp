#pragma once

#include <string>

namespace acepool::sim {

/// `acepool-sim healthcheck --url http://127.0.0.1:8000/v1/openvpn/status`: 0 when the control
/// server says the VPN is running, 1 otherwise (sends X-API-Key from SIM_API_KEY).
int run_healthcheck(const std::string& url);

}  // namespace acepool::sim
