#pragma once

#include <map>
#include <string>
#include <vector>

#include "tests/common/sim_process.hpp"

namespace acepool::testing {

/// Settings for acepool relaying from the given simulator processes only (STATIC_ENGINES on
/// loopback, no Docker: provisioning points at a socket nobody serves), with `extra` on top.
std::map<std::string, std::string> relay_env(const std::vector<const sim_process*>& sims,
                                             std::map<std::string, std::string> extra = {});

}  // namespace acepool::testing
