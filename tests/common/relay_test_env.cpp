#include "tests/common/relay_test_env.hpp"

#include "tests/common/pool_test_env.hpp"

namespace acepool::testing {

std::map<std::string, std::string> relay_env(const std::vector<const sim_process*>& sims,
                                             std::map<std::string, std::string> extra) {
  std::string engines;
  for (const auto* s : sims)
    engines += (engines.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(s->port());
  std::map<std::string, std::string> env{
      {"STATIC_ENGINES", engines},        {"MIN_REPLICAS", "0"},
      {"MIN_FREE_REPLICAS", "0"},         {"DOCKER_HOST", "unix:///nonexistent/acepool-test.sock"},
      {"HEALTH_CHECK_INTERVAL_S", "0.5"}, {"LOG_LEVEL", "info"}};
  for (auto& [k, v] : extra)
    env[k] = v;
  return env;
}

int sessions_started(const sim_process& sim) {
  return sim.stats()["sessions_started"].get<int>();
}

nlohmann::json relay_status(const acepool_process& ace, const std::string& query) {
  return json_of(ace.get("/ace/status" + query));
}

}  // namespace acepool::testing
