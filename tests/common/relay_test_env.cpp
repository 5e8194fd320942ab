#include "tests/common/relay_test_env.hpp"

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

}  // namespace acepool::testing
