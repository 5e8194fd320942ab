#include "actors/pool/pool_metrics.hpp"

#include <map>

#include "actors/runtime/published_state.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

void add_pool_metrics(metrics::registry& reg, const published_state& published) {
  reg.add_collector([&published](metrics::registry& r) {
    auto engines = published.engines.load();
    std::map<std::string, int> by_state{
        {"starting", 0}, {"running", 0}, {"draining", 0}, {"stopping", 0}, {"static", 0}};
    std::map<std::string, int> by_health{{"healthy", 0}, {"unhealthy", 0}, {"unknown", 0}};
    for (const auto& e : engines->engines) {
      ++by_state[to_string(e.state)];
      ++by_health[to_string(e.health)];
    }
    for (const auto& [state, n] : by_state)
      r.gauge("acepool_engines", "Engines by state", {{"state", state}}).set(n);
    for (const auto& [status, n] : by_health)
      r.gauge("acepool_engines_health", "Engines by health status", {{"status", status}}).set(n);
    auto streams = published.streams.load();
    r.gauge("acepool_streams_active", "Active streams (relay and reported by events)")
        .set(static_cast<double>(streams->active.size()));
    r.gauge("acepool_streams_recorded",
            "Stream records kept (active and ended within STREAM_HISTORY_TTL_S)")
        .set(static_cast<double>(streams->total()));
    r.gauge("acepool_engines_marked_for_replacement",
            "Engines unhealthy past the grace period or being replaced")
        .set(published.health.load()->marked_for_replacement);
    auto p = published.provisioning.load();
    r.gauge("acepool_provisioning", "Provisioning operations by phase", {{"phase", "in_flight"}})
        .set(p->in_flight);
    r.gauge("acepool_provisioning", "Provisioning operations by phase", {{"phase", "queued"}})
        .set(p->queued);
    r.gauge("acepool_docker_reachable", "1 when the last Docker sync succeeded")
        .set(published.docker.load()->reachable ? 1 : 0);
  });
}

}  // namespace acepool::actors
