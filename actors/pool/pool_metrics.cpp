#include "actors/pool/pool_metrics.hpp"

#include <map>
#include <memory>
#include <mutex>

#include "actors/pool/node_load.hpp"
#include "actors/runtime/published_state.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

/// The nodes a scrape has shown (id → hostname); scrapes may run at the same time.
struct seen_nodes {
  std::mutex mutex;
  std::map<std::string, std::string> ids;
};

/// Swarm mode: each node's state, engines and streams; a node gone from the swarm stays, at 0.
void add_node_series(metrics::registry& r, const std::vector<docker::swarm_node>& nodes,
                     const engines_snapshot& engines, seen_nodes& shown) {
  std::lock_guard<std::mutex> guard(shown.mutex);
  auto& seen = shown.ids;
  auto on_node = load_by_node(engines.engines);
  auto set = [&r](const std::string& id, const std::string& hostname, bool up,
                  const node_load& load) {
    metrics::label_set l{{"node", id}, {"hostname", hostname}};
    r.gauge(metrics::swarm_node_up, l).set(up ? 1 : 0);
    r.gauge(metrics::swarm_node_engines, l).set(load.engines);
    r.gauge(metrics::swarm_node_streams, l).set(load.streams);
  };
  std::map<std::string, std::string> now;
  for (const auto& n : nodes) {
    // Renamed: its old series would keep their last values.
    if (auto was = seen.find(n.id); was != seen.end() && was->second != n.hostname)
      set(n.id, was->second, false, {});
    set(n.id, n.hostname, n.schedulable(), on_node[n.id]);
    now[n.id] = n.hostname;
  }
  for (const auto& [id, hostname] : seen)
    if (now.count(id) == 0) {
      set(id, hostname, false, {});
      now[id] = hostname;
    }
  seen = std::move(now);
}

}  // namespace

void add_pool_metrics(metrics::registry& reg, const published_state& published) {
  auto shown = std::make_shared<seen_nodes>();
  reg.add_collector([&published, shown](metrics::registry& r) {
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
    auto docker = published.docker.load();
    r.gauge(metrics::docker_reachable).set(docker->reachable ? 1 : 0);
    if (docker->nodes) add_node_series(r, *docker->nodes, *engines, *shown);
  });
}

}  // namespace acepool::actors
