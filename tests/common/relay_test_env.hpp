#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/sim_process.hpp"

namespace acepool::testing {

/// Settings for acepool relaying from the given simulator processes only (STATIC_ENGINES on
/// loopback, no Docker: provisioning points at a socket nobody serves), with `extra` on top.
std::map<std::string, std::string> relay_env(const std::vector<const sim_process*>& sims,
                                             std::map<std::string, std::string> extra = {});

/// Engine sessions the simulator has started (GET /sim/stats).
int sessions_started(const sim_process& sim);

/// GET /ace/status`query` (every relay, or `?id=...`), parsed.
nlohmann::json relay_status(const acepool_process& ace, const std::string& query = "");

}  // namespace acepool::testing
