#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "support/metrics_registry.hpp"

// Every metric family acepool exports, in one table: its name, type and help (one copy, used by
// the code that updates it), its label names, and the series that exist from the start at 0.
// Prometheus wants a series of a fixed label set present before its first event (a rate() or an
// alert over a series that appears only later misses the first increase), so acepool registers
// those at start; label values that depend on what happens (a route, an actor, a Docker
// operation) appear on first use. docs/operations.md "Metrics" lists this table, checked by a
// test.
namespace acepool::metrics {

/// How a family's series behave.
enum class family_type { counter, gauge, histogram };

/// One metric family.
struct metric_family {
  std::string_view name;
  family_type type;
  std::string_view help;
  std::vector<std::string> labels;  ///< label names, in render order
  /// The label values (in `labels` order) of each series present from the start; `{{}}` for
  /// the one series of a family without labels.
  std::vector<std::vector<std::string>> initial;
  /// Rendered by a text collector of its own (its values live outside the registry).
  bool own_renderer = false;
};

/// `counter`, `gauge` or `histogram`.
const char* to_string(family_type t);

/// The families, in documentation order.
const std::vector<const metric_family*>& catalogue();

/// The family called `name`, or null.
const metric_family* find_family(std::string_view name);

/// Creates every series present from the start (at 0) in `reg`.
void register_initial_series(registry& reg);

/// The Markdown table of docs/operations.md "Metrics": one row per family (name, type, labels,
/// help, the series present from the start).
std::string render_markdown_table();

/// The text (format 0.0.4) of `f` with its one unlabelled series at `value` (already formatted):
/// for families rendered by a text collector of their own.
std::string render_single_series(const metric_family& f, std::string_view value);

/// The labels of one series of `f`: `f.labels` paired with `values`.
label_set labels_of(const metric_family& f, const std::vector<std::string>& values);

// ---- acepool's own ----
extern const metric_family engines, engines_health, engines_marked_for_replacement, streams_active,
    streams_recorded, provisioning, docker_reachable, swarm_node_up, swarm_node_engines,
    swarm_node_streams, provision_total, provision_duration, circuit_state, health_transitions,
    engine_replacements, docker_errors, docker_events, events_total, stale_streams, relay_sessions,
    relay_failovers, stream_clients, relay_bytes, relay_client_skips, relay_client_drops,
    relay_client_disconnects, vpn_connected, vpn_transitions, store_writes, store_dropped, actors,
    actor_mailbox, actor_handler_exceptions, api_requests, api_duration, http_connections,
    http_connections_max, http_connections_evicted, http_connections_refused,
    http_connections_dropped, http_refused_requests, http_write_timeouts, http_accept_errors,
    live_subscribers, live_dropped;

// ---- the orchestrator's (krinkuto11/acestream-orchestrator), kept for its dashboards ----
extern const metric_family orch_events_started, orch_events_ended, orch_collector_errors,
    orch_streams_active, orch_provision;

// ---- the process (Prometheus client conventions) ----
extern const metric_family process_cpu, process_memory, process_fds, process_max_fds, process_start;

}  // namespace acepool::metrics
