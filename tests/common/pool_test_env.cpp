#include "tests/common/pool_test_env.hpp"

#include <catch2/catch.hpp>

namespace acepool::testing {

std::map<std::string, std::string> pool_env(const docker_run_scope& run, const port_block& ports,
                                            std::map<std::string, std::string> extra) {
  std::map<std::string, std::string> env{{"CONTAINER_LABEL", run.label_text()},
                                         {"PORT_RANGE_HOST", ports.range()},
                                         {"MIN_REPLICAS", "0"},
                                         {"MIN_FREE_REPLICAS", "0"},
                                         {"MIN_PROVISION_INTERVAL_S", "0.05"}};
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

nlohmann::json json_of(const http_reply& r) {
  return nlohmann::json::parse(r.body, nullptr, false);
}

std::vector<docker::container_summary> managed_containers(docker_run_scope& run, bool all) {
  auto list = run.client().list_containers({{"label", {run.label_text()}}}, all);
  REQUIRE(list.ok());
  return *list;
}

std::set<std::string> engine_ids(const acepool_process& ace) {
  std::set<std::string> ids;
  for (const auto& e : ace.engines())
    ids.insert(e["container_id"].get<std::string>());
  return ids;
}

}  // namespace acepool::testing
