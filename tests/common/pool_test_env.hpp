#pragma once

#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"

namespace acepool::testing {

/// Settings for an engine-pool test: its own label and host ports, no sizing floors, quick starts.
std::map<std::string, std::string> pool_env(const docker_run_scope& run, const port_block& ports,
                                            std::map<std::string, std::string> extra = {});

/// A reply's body as JSON (discarded when it is not JSON).
nlohmann::json json_of(const http_reply& r);

/// The containers carrying the run's label (`all` includes stopped ones).
std::vector<docker::container_summary> managed_containers(docker_run_scope& run, bool all = true);

/// The container ids in GET /engines.
std::set<std::string> engine_ids(const acepool_process& ace);

}  // namespace acepool::testing
