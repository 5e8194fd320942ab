#include "http/status_model.hpp"

#include <algorithm>

#include "actors/pool/node_load.hpp"
#include "config/settings.hpp"
#include "http/state_json.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

using actors::breaker;
using actors::engine_state;
using actors::health_status;

namespace {

struct engine_counts {
  int total = 0, running = 0, healthy = 0, unhealthy = 0, starting = 0, used = 0, available = 0;
};

engine_counts count_engines(const status_inputs& in) {
  engine_counts c;
  const int per_engine = in.settings.pool.max_streams_per_engine;
  for (const auto& e : in.engines.engines) {
    if (e.state == engine_state::stopping) continue;
    ++c.total;
    if (e.state == engine_state::running || e.state == engine_state::static_engine ||
        e.state == engine_state::draining)
      ++c.running;
    if (e.state == engine_state::starting) ++c.starting;
    if (e.health == health_status::healthy) ++c.healthy;
    if (e.health == health_status::unhealthy) ++c.unhealthy;
    int n = static_cast<int>(e.streams.size());
    if (n > 0) ++c.used;
    if (n < per_engine && e.health != health_status::unhealthy && e.state != engine_state::draining)
      ++c.available;
  }
  return c;
}

int running_managed(const status_inputs& in) {
  int n = 0;
  for (const auto& e : in.engines.engines)
    if (e.managed() && e.state != engine_state::stopping) ++n;
  return n;
}

/// Whole seconds, at least 1: an ETA or Retry-After of 0 would invite an immediate retry.
int seconds_up(std::chrono::milliseconds ms) {
  return static_cast<int>(std::max<int64_t>(1, whole_seconds(ms)));
}

}  // namespace

std::optional<block> provisioning_block(const status_inputs& in) {
  if (in.vpn.enabled && !in.vpn.connected)
    return block{"VPN not connected", "vpn_disconnected", 60,
                 "VPN connection is required but currently disconnected. Engines cannot be "
                 "provisioned without VPN.",
                 true};
  auto state = in.general_breaker.current(in.now);
  if (state == breaker::state::open)
    return block{"Circuit breaker is open", "circuit_breaker",
                 seconds_up(in.general_breaker.time_left(in.now)),
                 "Provisioning circuit breaker is open due to repeated failures. System is "
                 "waiting for conditions to improve."};
  if (in.docker.nodes && std::none_of(in.docker.nodes->begin(), in.docker.nodes->end(),
                                      [](const docker::swarm_node& n) { return n.schedulable(); }))
    return block{"No swarm node takes new engines", "no_node", std::nullopt,
                 "Every node of the swarm is drained, paused or down: no engine can start until "
                 "one is active again.",
                 false};
  const int cap = in.settings.engine_cap();
  if (running_managed(in) + in.engines.claims >= cap) {
    std::optional<int> eta;
    if (in.settings.pool.auto_delete)
      eta = static_cast<int>(whole_seconds(in.settings.pool.engine_grace_period));
    return block{"Maximum capacity reached", "max_capacity", eta,
                 "Maximum number of engines (" + std::to_string(cap) +
                     ") already running. Wait for streams to end or increase MAX_REPLICAS."};
  }
  return std::nullopt;
}

nlohmann::json swarm_nodes_json(const std::vector<docker::swarm_node>& nodes,
                                const actors::engines_snapshot& engines) {
  auto out = nlohmann::json::array();
  auto load = actors::load_by_node(engines.engines);
  for (const auto& n : nodes) {
    const auto& on = load[n.id];
    out.push_back({{"id", n.id},
                   {"hostname", n.hostname},
                   {"addr", n.addr},
                   {"role", n.role},
                   {"state", n.state},
                   {"availability", n.availability},
                   {"local", n.local},
                   {"engines", on.engines},
                   {"healthy_engines", on.healthy_engines},
                   {"streams", on.streams}});
  }
  return out;
}

nlohmann::json orchestrator_status(const status_inputs& in) {
  auto c = count_engines(in);
  auto blocked = provisioning_block(in);
  std::string status = "healthy";
  if (!in.docker.reachable || (in.settings.pool.min_replicas > 0 && c.running == 0))
    status = "unavailable";
  else if (blocked && blocked->code != "max_capacity")
    status = "degraded";
  nlohmann::json blocked_details = nullptr;
  if (blocked)
    blocked_details = {{"code", blocked->code},
                       {"message", blocked->message},
                       {"recovery_eta_seconds",
                        blocked->eta_s ? nlohmann::json(*blocked->eta_s) : nlohmann::json(nullptr)},
                       {"can_retry", blocked->can_retry},
                       {"should_wait", blocked->should_wait}};
  const auto& s = in.settings;
  return {{"status", status},
          {"engines",
           {{"total", c.total},
            {"running", c.running},
            {"healthy", c.healthy},
            {"unhealthy", c.unhealthy},
            {"starting", c.starting},
            {"marked_for_replacement", in.health.marked_for_replacement}}},
          {"streams", {{"active", in.streams.active.size()}, {"total", in.streams.total()}}},
          {"capacity",
           {{"total", c.total},
            {"used", c.used},
            {"available", c.available},
            {"max_replicas", s.engine_cap()},
            {"min_replicas", s.pool.min_replicas},
            {"max_streams_per_engine", s.pool.max_streams_per_engine}}},
          {"vpn", vpn_summary_json(in.vpn)},
          {"provisioning",
           {{"can_provision", !blocked.has_value() && in.docker.reachable},
            {"circuit_breaker_state", to_string(in.general_breaker.current(in.now))},
            {"last_failure", support::rfc3339_or_null(in.general_breaker.last_failure())},
            {"last_failure_detail", in.provisioning.last_failure
                                        ? nlohmann::json(*in.provisioning.last_failure)
                                        : nlohmann::json(nullptr)},
            {"blocked_reason", blocked ? nlohmann::json(blocked->reason) : nlohmann::json(nullptr)},
            {"blocked_reason_details", blocked_details},
            {"in_flight", in.provisioning.in_flight + in.provisioning.queued}}},
          {"config",
           {{"auto_delete", s.pool.auto_delete},
            {"grace_period_s", whole_seconds(s.pool.engine_grace_period)},
            {"grace_period_ms", s.pool.engine_grace_period.count()},
            {"target_image", s.docker.target_image}}},
          {"docker",
           {{"reachable", in.docker.reachable},
            {"detail", in.docker.detail},
            {"orchestrator",
             s.docker.orchestrator == config::orchestrator_mode::swarm ? "swarm" : "docker"},
            {"nodes", in.docker.nodes ? swarm_nodes_json(*in.docker.nodes, in.engines)
                                      : nlohmann::json(nullptr)}}},
          {"timestamp", support::now_rfc3339()}};
}

nlohmann::json health_status(const status_inputs& in) {
  auto c = count_engines(in);
  const auto& h = in.health;
  return {{"total_engines", c.total},
          {"healthy_engines", c.healthy},
          {"unhealthy_engines", c.unhealthy},
          {"marked_for_replacement", h.marked_for_replacement},
          {"replacements",
           {{"in_progress", h.replacing ? nlohmann::json(*h.replacing) : nlohmann::json(nullptr)},
            {"started", h.replacements_started},
            {"succeeded", h.replacements_succeeded},
            {"failed", h.replacements_failed},
            {"last_at", support::rfc3339_or_null(h.last_replacement_at)}}},
          {"minimum_required", in.settings.pool.min_replicas},
          {"health_check_interval", whole_seconds(in.settings.health.check_interval)},
          {"health_check_interval_ms", in.settings.health.check_interval.count()},
          {"circuit_breakers",
           {{"general", breaker_json(in.general_breaker, in.now)},
            {"replacement", breaker_json(in.replacement_breaker, in.now)}}}};
}

std::vector<std::pair<std::string, std::string>> provisioning_headers(
    const actors::provisioning_snapshot& p, const actors::breaker& general,
    std::chrono::steady_clock::time_point now) {
  std::vector<std::pair<std::string, std::string>> h{
      {"X-RateLimit-Provisioning-Limit", std::to_string(p.limit)},
      {"X-RateLimit-Provisioning-Remaining", std::to_string(std::max(0, p.limit - p.in_flight))}};
  auto state = general.current(now);
  if (state != breaker::state::closed) {
    h.emplace_back("X-Circuit-State", to_string(state));
    h.emplace_back("Retry-After", std::to_string(seconds_up(general.time_left(now))));
  }
  return h;
}

nlohmann::json health_scores(const actors::engines_snapshot& engines,
                             std::chrono::system_clock::time_point now) {
  std::vector<std::pair<int, nlohmann::json>> scored;
  for (const auto& e : engines.engines) {
    if (e.state == engine_state::stopping) continue;
    int n = static_cast<int>(e.streams.size());
    int score = 100 - std::min(60, 20 * n);
    if (e.health == health_status::unhealthy) score -= 50;
    if (e.health == health_status::unknown) score -= 25;
    if (e.last_stream_usage && now - *e.last_stream_usage <= std::chrono::minutes(5)) score += 10;
    score = std::clamp(score, 0, 100);
    scored.push_back({score,
                      {{"container_id", e.container_id},
                       {"host", e.host},
                       {"port", e.port},
                       {"health_score", score},
                       {"stream_count", n},
                       {"health_status", to_string(e.health)}}});
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  auto out = nlohmann::json::array();
  for (auto& [s, j] : scored)
    out.push_back(std::move(j));
  return out;
}

}  // namespace acepool::http
