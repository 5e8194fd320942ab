#pragma once

namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

struct published_state;

/// Adds the engine gauges of docs/behaviour.md §9 read from the published snapshots at scrape time:
/// `acepool_engines{state}`, `acepool_engines_health{status}`, `acepool_streams_active`,
/// `acepool_provisioning{phase}` and `acepool_docker_reachable`.
void add_pool_metrics(metrics::registry& reg, const published_state& published);

}  // namespace acepool::actors
