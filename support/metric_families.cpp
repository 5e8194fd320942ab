#include "support/metric_families.hpp"

#include <utility>

namespace acepool::metrics {

namespace {
using t = family_type;
const std::vector<std::vector<std::string>> one_series{{}};
}  // namespace

// clang-format off
const metric_family engines{"acepool_engines", t::gauge, "Engines by state", {"state"},
    {{"starting"}, {"running"}, {"draining"}, {"stopping"}, {"static"}}};
const metric_family engines_health{"acepool_engines_health", t::gauge,
    "Engines by health status", {"status"}, {{"healthy"}, {"unhealthy"}, {"unknown"}}};
const metric_family engines_marked_for_replacement{"acepool_engines_marked_for_replacement",
    t::gauge, "Engines unhealthy past the grace period or being replaced", {}, one_series};
const metric_family streams_active{"acepool_streams_active", t::gauge,
    "Active streams (relay and reported by events)", {}, one_series};
const metric_family streams_recorded{"acepool_streams_recorded", t::gauge,
    "Stream records kept (active and ended within STREAM_HISTORY_TTL_S)", {}, one_series};
const metric_family provisioning{"acepool_provisioning", t::gauge,
    "Provisioning operations by phase", {"phase"}, {{"in_flight"}, {"queued"}}};
const metric_family docker_reachable{"acepool_docker_reachable", t::gauge,
    "1 when the last Docker sync succeeded", {}, one_series};
const metric_family swarm_node_up{"acepool_swarm_node_up", t::gauge,
    "Swarm mode: 1 when the node is ready and active (takes engines)", {"node", "hostname"}, {}};
const metric_family swarm_node_engines{"acepool_swarm_node_engines", t::gauge,
    "Swarm mode: engines running on the node", {"node", "hostname"}, {}};
const metric_family swarm_node_streams{"acepool_swarm_node_streams", t::gauge,
    "Swarm mode: active streams on the node's engines", {"node", "hostname"}, {}};
const metric_family provision_total{"acepool_provision_total", t::counter,
    "Provisioning operations by kind and result", {"kind", "result"},
    {{"engine", "success"}, {"generic", "success"}}};
const metric_family provision_duration{"acepool_provision_duration_seconds", t::histogram,
    "Provisioning duration, admission to answer", {"kind"}, {}};
const metric_family circuit_state{"acepool_circuit_state", t::gauge,
    "Circuit breaker state (1 = current)", {"breaker", "state"},
    {{"general", "closed"}, {"general", "open"}, {"general", "half_open"},
     {"replacement", "closed"}, {"replacement", "open"}, {"replacement", "half_open"}}};
const metric_family health_transitions{"acepool_health_transitions_total", t::counter,
    "Engine health status changes", {"to"}, {{"healthy"}, {"unhealthy"}}};
const metric_family engine_replacements{"acepool_engine_replacements_total", t::counter,
    "Replacements of unhealthy engines", {"result"}, {{"success"}, {"failure"}}};
const metric_family docker_errors{"acepool_docker_errors_total", t::counter,
    "Failed Docker calls by operation", {"op"}, {}};
const metric_family docker_events{"acepool_docker_events_total", t::counter,
    "Docker events received by action", {"action"}, {}};
const metric_family events_total{"acepool_events_total", t::counter,
    "Stream events received from external proxies", {"type"},
    {{"stream_started"}, {"stream_ended"}}};
const metric_family stale_streams{"acepool_stale_streams_total", t::counter,
    "Streams whose engine session had disappeared", {}, one_series};
const metric_family relay_sessions{"acepool_relay_sessions_total", t::counter,
    "Engine sessions opened by the relay", {}, one_series};
const metric_family relay_failovers{"acepool_relay_failovers_total", t::counter,
    "Relay sessions replaced after an upstream loss", {}, one_series};
const metric_family stream_clients{"acepool_stream_clients", t::gauge,
    "Relay clients connected", {}, one_series, true};
const metric_family relay_bytes{"acepool_relay_bytes_total", t::counter,
    "Stream bytes written to relay clients", {}, one_series, true};
const metric_family relay_client_skips{"acepool_relay_client_skips_total", t::counter,
    "Lagging relay clients moved to the live edge", {}, one_series, true};
const metric_family relay_client_drops{"acepool_relay_client_drops_total", t::counter,
    "Relay clients disconnected after CLIENT_WRITE_TIMEOUT_S", {}, one_series, true};
const metric_family relay_client_disconnects{"acepool_relay_client_disconnects_total",
    t::counter, "Relay clients that went away", {}, one_series, true};
// VPN mode only: without a VPN there is no series to alert on.
const metric_family vpn_connected{"acepool_vpn_connected", t::gauge,
    "1 when the VPN is connected", {}, {}};
const metric_family vpn_transitions{"acepool_vpn_transitions_total", t::counter,
    "VPN connected/disconnected transitions", {"to"}, {{"connected"}, {"disconnected"}}};
const metric_family store_writes{"acepool_store_writes_total", t::counter,
    "Database writes committed", {}, one_series};
const metric_family store_dropped{"acepool_store_dropped_total", t::counter,
    "Database writes given up (the disk refused them longer than the pending bound)", {},
    one_series};
const metric_family actors{"acepool_actors", t::gauge, "Registered actors by kind", {"kind"},
    {}};
const metric_family actor_mailbox{"acepool_actor_mailbox", t::gauge,
    "Mailbox size each actor last reported", {"actor"}, {}};
const metric_family actor_handler_exceptions{"acepool_actor_handler_exceptions_total",
    t::counter,
    "Exceptions that escaped an actor's handler (logged, answered, survived), by actor",
    {"actor"}, {}};
const metric_family api_requests{"acepool_api_requests_total", t::counter,
    "HTTP requests by route pattern, method and status", {"route", "method", "status"}, {}};
const metric_family api_duration{"acepool_api_duration_seconds", t::histogram,
    "HTTP request duration by route pattern and method", {"route", "method"}, {}};
const metric_family http_connections{"acepool_http_connections", t::gauge,
    "open client connections (MAX_CONNECTIONS caps them)", {}, one_series};
const metric_family http_connections_max{"acepool_http_connections_max", t::gauge,
    "MAX_CONNECTIONS in effect", {}, one_series};
const metric_family http_connections_evicted{"acepool_http_connections_evicted", t::gauge,
    "idle keep-alive connections closed to make room at the cap (count)", {}, one_series};
const metric_family http_connections_refused{"acepool_http_connections_refused", t::gauge,
    "connections answered 503 at the cap (count)", {}, one_series};
const metric_family http_connections_dropped{"acepool_http_connections_dropped", t::gauge,
    "connections closed at once far above the cap (count)", {}, one_series};
const metric_family http_refused_requests{"acepool_http_refused_requests_total", t::counter,
    "requests the transport refused or cut before a handler ran, by reason", {"reason"},
    {{"malformed"}, {"too_large"}, {"header_timeout"}, {"body_timeout"}, {"body_budget"}}};
const metric_family http_write_timeouts{"acepool_http_write_timeouts_total", t::counter,
    "connections dropped because an answer's write was pending longer than "
    "CLIENT_WRITE_TIMEOUT_S", {}, one_series};
const metric_family http_accept_errors{"acepool_http_accept_errors_total", t::counter,
    "accept() failures of a listener, by error; accepting resumes after them",
    {"listener", "error"}, {}};
const metric_family live_subscribers{"acepool_live_subscribers", t::gauge,
    "GET /events/live connections following the feed", {}, one_series};
const metric_family live_dropped{"acepool_live_dropped_total", t::counter,
    "GET /events/live subscribers dropped because they fell behind LIVE_EVENTS_BACKLOG or a "
    "write to them waited longer than CLIENT_WRITE_TIMEOUT_S", {}, one_series};

const metric_family orch_events_started{"orch_events_started_total", t::counter,
    "stream_started events", {}, one_series};
const metric_family orch_events_ended{"orch_events_ended_total", t::counter,
    "stream_ended events", {}, one_series};
const metric_family orch_collector_errors{"orch_collector_errors_total", t::counter,
    "collector errors", {}, one_series};
const metric_family orch_streams_active{"orch_streams_active", t::gauge, "active streams", {},
    one_series};
const metric_family orch_provision{"orch_provision_total", t::counter, "provision requests",
    {"kind"}, {{"generic"}, {"acestream"}}};

const metric_family process_cpu{"process_cpu_seconds_total", t::counter,
    "Total user and system CPU time spent in seconds.", {}, one_series, true};
const metric_family process_memory{"process_resident_memory_bytes", t::gauge,
    "Resident memory size in bytes.", {}, one_series, true};
const metric_family process_fds{"process_open_fds", t::gauge,
    "Number of open file descriptors.", {}, one_series, true};
const metric_family process_max_fds{"process_max_fds", t::gauge,
    "Maximum number of open file descriptors.", {}, one_series, true};
const metric_family process_start{"process_start_time_seconds", t::gauge,
    "Start time of the process since unix epoch in seconds.", {}, one_series, true};
// clang-format on

const char* to_string(family_type type) {
  switch (type) {
    case family_type::counter:
      return "counter";
    case family_type::gauge:
      return "gauge";
    case family_type::histogram:
      return "histogram";
  }
  return "gauge";
}

const std::vector<const metric_family*>& catalogue() {
  static const std::vector<const metric_family*> all{&engines,
                                                     &engines_health,
                                                     &engines_marked_for_replacement,
                                                     &streams_active,
                                                     &streams_recorded,
                                                     &provisioning,
                                                     &docker_reachable,
                                                     &swarm_node_up,
                                                     &swarm_node_engines,
                                                     &swarm_node_streams,
                                                     &provision_total,
                                                     &provision_duration,
                                                     &circuit_state,
                                                     &health_transitions,
                                                     &engine_replacements,
                                                     &docker_errors,
                                                     &docker_events,
                                                     &events_total,
                                                     &stale_streams,
                                                     &relay_sessions,
                                                     &relay_failovers,
                                                     &stream_clients,
                                                     &relay_bytes,
                                                     &relay_client_skips,
                                                     &relay_client_drops,
                                                     &relay_client_disconnects,
                                                     &vpn_connected,
                                                     &vpn_transitions,
                                                     &store_writes,
                                                     &store_dropped,
                                                     &actors,
                                                     &actor_mailbox,
                                                     &actor_handler_exceptions,
                                                     &api_requests,
                                                     &api_duration,
                                                     &http_connections,
                                                     &http_connections_max,
                                                     &http_connections_evicted,
                                                     &http_connections_refused,
                                                     &http_connections_dropped,
                                                     &http_refused_requests,
                                                     &http_write_timeouts,
                                                     &http_accept_errors,
                                                     &live_subscribers,
                                                     &live_dropped,
                                                     &orch_events_started,
                                                     &orch_events_ended,
                                                     &orch_collector_errors,
                                                     &orch_streams_active,
                                                     &orch_provision,
                                                     &process_cpu,
                                                     &process_memory,
                                                     &process_fds,
                                                     &process_max_fds,
                                                     &process_start};
  return all;
}

const metric_family* find_family(std::string_view name) {
  for (const auto* f : catalogue())
    if (f->name == name) return f;
  return nullptr;
}

label_set labels_of(const metric_family& f, const std::vector<std::string>& values) {
  label_set out;
  for (size_t i = 0; i < f.labels.size() && i < values.size(); ++i)
    out.emplace_back(f.labels[i], values[i]);
  return out;
}

std::string render_markdown_table() {
  std::string out =
      "| family | type | labels | help | present from the start |\n"
      "|---|---|---|---|---|\n";
  for (const auto* f : catalogue()) {
    std::string labels;
    for (const auto& l : f->labels)
      labels += (labels.empty() ? "`" : ", `") + l + "`";
    std::string initial;
    if (f->own_renderer || (f->labels.empty() && !f->initial.empty())) {
      initial = "yes";
    } else if (f->initial.empty()) {
      initial = "on first use";
    } else {
      for (const auto& values : f->initial) {
        std::string series;
        for (const auto& v : values)
          series += (series.empty() ? "" : ",") + v;
        initial += (initial.empty() ? "" : " ") + ("`" + series + "`");
      }
    }
    out += "| `" + std::string(f->name) + "` | " + to_string(f->type) + " | " + labels + " | " +
           std::string(f->help) + " | " + initial + " |\n";
  }
  return out;
}

std::string render_single_series(const metric_family& f, std::string_view value) {
  std::string name(f.name);
  return "# HELP " + name + " " + std::string(f.help) + "\n# TYPE " + name + " " +
         to_string(f.type) + "\n" + name + " " + std::string(value) + "\n";
}

void register_initial_series(registry& reg) {
  for (const auto* f : catalogue()) {
    if (f->own_renderer) continue;
    for (const auto& values : f->initial) {
      auto labels = labels_of(*f, values);
      if (f->type == family_type::counter)
        reg.counter(*f, labels);
      else if (f->type == family_type::gauge)
        reg.gauge(*f, labels);
    }
  }
}

}  // namespace acepool::metrics
