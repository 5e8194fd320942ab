#include "actors/pool/pool_metrics.hpp"

#include <map>

#include "actors/runtime/published_state.hpp"
#include "support/metric_families.hpp"
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
      r.gauge(metrics::engines, {{"state", state}}).set(n);
    for (const auto& [status, n] : by_health)
      r.gauge(metrics::engines_health, {{"status", status}}).set(n);
    auto streams = published.streams.load();
    auto active = static_cast<double>(streams->active.size());
    r.gauge(metrics::streams_active).set(active);
    r.gauge(metrics::orch_streams_active).set(active);
    r.gauge(metrics::streams_recorded).set(static_cast<double>(streams->total()));
    r.gauge(metrics::engines_marked_for_replacement)
        .set(published.health.load()->marked_for_replacement);
    auto p = published.provisioning.load();
    r.gauge(metrics::provisioning, {{"phase", "in_flight"}}).set(p->in_flight);
    r.gauge(metrics::provisioning, {{"phase", "queued"}}).set(p->queued);
    r.gauge(metrics::docker_reachable).set(published.docker.load()->reachable ? 1 : 0);
  });
}

}  // namespace acepool::actors
