// health_prober: the one health component. It probes every engine concurrently on the async HTTP
// loop (a hung engine only ever costs its own timeout), turns answers into statuses with
// health_tracker, and replaces long-unhealthy managed engines: new engine first, then the old one.
#include "actors/health/health_prober.hpp"

#include <set>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/health/health_tracker.hpp"
#include "actors/messages.hpp"
#include "actors/provisioning/published_breaker.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "support/announce.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

using steady = std::chrono::steady_clock;
using wall = std::chrono::system_clock;

struct health_prober_state {
  static inline const char* name = "health_prober";
  health_prober_deps deps;
  std::optional<health_tracker> tracker;
  std::set<std::string> in_flight;  // engines with a probe outstanding
  std::optional<std::string> replacing;
  std::optional<published_breaker> circuit;  // the replacement breaker: only this actor uses it
  uint64_t probes = 0, probe_failures = 0;
  health_snapshot published;

  const config::settings& settings() const { return *deps.settings; }

  void count(const metrics::metric_family& family, const metrics::label_set& labels) {
    if (deps.metrics != nullptr) deps.metrics->counter(family, labels).inc();
  }

  void publish() { deps.published->health.publish(published); }
  support::live_feed* feed() const { return &deps.published->feed; }

  nlohmann::json summary() const {
    return {{"probes", probes},
            {"probe_failures", probe_failures},
            {"in_flight", in_flight.size()},
            {"replacing", replacing ? nlohmann::json(*replacing) : nlohmann::json(nullptr)},
            {"marked_for_replacement", published.marked_for_replacement},
            {"replacements_started", published.replacements_started}};
  }
};

using prober_actor = tracked_actor<health_prober_state>;

bool probed(const engine_record& e) {
  return e.state != engine_state::stopping;
}

void probe_all(prober_actor* self) {
  auto& st = self->state;
  auto engines = st.deps.published->engines.load();
  std::set<std::string> present;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  for (const auto& e : engines->engines) {
    present.insert(e.container_id);
    if (!probed(e) || st.in_flight.count(e.container_id)) continue;
    auto url = "http://" + e.host + ":" + std::to_string(e.port) +
               "/server/api?api_version=3&method=get_status";
    auto id = e.container_id;
    bool queued = st.deps.http->get(
        url, st.settings().health.probe_timeout, [me, id](const support::http_result& r) {
          bool ok = r.status == 200 && nlohmann::json::parse(r.body, nullptr, false).is_object();
          caf::anon_send(me, health_result_atom::value, id, ok);
        });
    if (queued) st.in_flight.insert(id);
  }
  st.tracker->retain(present);
  for (auto it = st.in_flight.begin(); it != st.in_flight.end();) {
    if (present.count(*it))
      ++it;
    else
      it = st.in_flight.erase(it);
  }
}

const engine_record* engine_in(const engines_snapshot& snap, const std::string& id) {
  for (const auto& e : snap.engines)
    if (e.container_id == id) return &e;
  return nullptr;
}

void on_result(prober_actor* self, const std::string& id, bool ok) {
  auto& st = self->state;
  st.in_flight.erase(id);
  ++st.probes;
  if (!ok) ++st.probe_failures;
  auto engines = st.deps.published->engines.load();
  const auto* e = engine_in(*engines, id);
  if (e == nullptr || !probed(*e)) return;  // removed while the probe ran
  auto out = st.tracker->record(id, ok, e->health, e->created, steady::now());
  if (out.changed) {
    announce(st.feed(),
             out.status == health_status::unhealthy ? spdlog::level::warn : spdlog::level::info,
             "engine.health",
             {{"container", e->container_name},
              {"container_id", id},
              {"from", to_string(e->health)},
              {"to", to_string(out.status)},
              {"failures", st.tracker->consecutive_failures(id)}});
    st.count(metrics::health_transitions, {{"to", to_string(out.status)}});
  }
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall::now().time_since_epoch()).count();
  self->send(st.deps.registry, set_health_atom::value, id, out.status,
             static_cast<int64_t>(now_ms));
}

void finish_replacement(prober_actor* self, const std::string& old_id, bool ok) {
  auto& st = self->state;
  st.replacing.reset();
  if (ok)
    ++st.published.replacements_succeeded;
  else
    ++st.published.replacements_failed;
  st.count(metrics::engine_replacements, {{"result", ok ? "success" : "failure"}});
  st.publish();
  announce(st.feed(), ok ? spdlog::level::info : spdlog::level::warn, "engine.replacement_done",
           {{"container", old_id}, {"result", ok ? "success" : "failure"}});
}

/// The new engine is ready: remove the old one, unless it recovered meanwhile.
void remove_replaced(prober_actor* self, const std::string& old_id) {
  auto& st = self->state;
  if (st.tracker->status(old_id) == health_status::healthy) {
    announce(st.feed(), spdlog::level::info, "engine.replacement_kept_old",
             {{"container", old_id}, {"detail", "it recovered while its replacement started"}});
    return finish_replacement(self, old_id, true);
  }
  self->request(st.deps.provisioner, st.settings().service.api_long_operation_timeout,
                remove_container_atom::value, old_id, std::string("unhealthy"))
      .then([self, old_id](const std::string&) { finish_replacement(self, old_id, true); },
            [self, old_id](caf::error& err) {
              // Gone already is as good as removed.
              auto failure = as_request_failure(err);
              finish_replacement(self, old_id,
                                 failure && failure->code == request_error::not_found);
            });
}

/// The replacement's outcome, on the replacement breaker: max_capacity (no room for one more
/// engine) and refusals are no failure of the replacement path, so the trial is given back.
void judge_replacement(prober_actor* self, const provision_result& r) {
  auto& breaker = *self->state.circuit;
  if (r.ok())
    breaker.record(true, steady::now());
  else if (counts_against_breaker(r.error->code))
    breaker.record(false, steady::now());
  else
    breaker.abandon_trial();
}

/// Asks the provisioner for the new engine; it claims capacity for a replacement of `old_id`
/// (the old engine still counts while it drains).
void provision_replacement(prober_actor* self, const std::string& old_id) {
  auto& st = self->state;
  engine_request req;
  req.origin = request_origin::replacement;
  req.replaces = old_id;
  auto timeout = st.settings().docker.provision_timeout + std::chrono::seconds(30);
  self->request(st.deps.provisioner, timeout, provision_engine_atom::value, req)
      .then(
          [self, old_id](const provision_result& r) {
            judge_replacement(self, r);
            if (r.ok()) {
              announce(self->state.feed(), spdlog::level::info, "engine.replacement_ready",
                       {{"container", old_id}, {"replacement", r.engine->container_name}});
              return remove_replaced(self, old_id);
            }
            bool no_room = r.error->code == provision_code::max_capacity;
            announce(self->state.feed(), spdlog::level::warn,
                     no_room ? "engine.replacement_blocked" : "engine.replacement_failed",
                     {{"container", old_id},
                      {"code", to_string(r.error->code)},
                      {"detail", r.error->message}});
            finish_replacement(self, old_id, false);
          },
          [self, old_id](caf::error& err) {
            self->state.circuit->record(false, steady::now());
            announce(self->state.feed(), spdlog::level::warn, "engine.replacement_failed",
                     {{"container", old_id}, {"detail", caf::to_string(err)}});
            finish_replacement(self, old_id, false);
          });
}

void start_replacement(prober_actor* self, const std::string& old_id) {
  auto& st = self->state;
  st.tracker->replacement_started(steady::now());  // the cooldown runs from blocked tries too
  if (!st.circuit->admit(steady::now()).allowed) {
    announce(st.feed(), spdlog::level::warn, "engine.replacement_blocked",
             {{"container", old_id}, {"detail", "the replacement circuit breaker is open"}});
    return;
  }
  st.replacing = old_id;
  ++st.published.replacements_started;
  st.published.last_replacement_at = wall::now();
  st.publish();
  provision_replacement(self, old_id);
}

void consider_replacement(prober_actor* self) {
  auto& st = self->state;
  auto engines = st.deps.published->engines.load();
  std::set<std::string> replaceable;
  for (const auto& e : engines->engines)
    if (e.managed() && e.state != engine_state::stopping) replaceable.insert(e.container_id);
  auto now = steady::now();
  auto due = st.tracker->due(replaceable, now);
  int marked = static_cast<int>(due.size());
  if (st.replacing && std::find(due.begin(), due.end(), *st.replacing) == due.end()) ++marked;
  if (marked != st.published.marked_for_replacement) {
    st.published.marked_for_replacement = marked;
    st.publish();
  }
  if (st.replacing || due.empty() || !st.tracker->may_start_replacement(now)) return;
  announce(
      st.feed(), spdlog::level::warn, "engine.replacement_started",
      {{"container", due.front()}, {"reason", "unhealthy past HEALTH_UNHEALTHY_GRACE_PERIOD_S"}});
  start_replacement(self, due.front());
}

caf::behavior health_prober(prober_actor* self, health_prober_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  const auto& h = st.settings().health;
  st.tracker.emplace(health_limits{h.failure_threshold,
                                   st.settings().docker.provision_startup_grace,
                                   h.unhealthy_grace_period, h.replacement_cooldown});
  st.circuit.emplace("replacement", replacement_breaker_of(st.settings()),
                     st.deps.published->replacement_breaker, st.deps.metrics, st.feed());
  st.publish();
  self->send(self, tick_atom::value);
  return introspectable(self, caf::message_handler{
                                  [self](tick_atom) {
                                    probe_all(self);
                                    consider_replacement(self);
                                    self->delayed_send(self,
                                                       self->state.settings().health.check_interval,
                                                       tick_atom::value);
                                  },
                                  [self](health_result_atom, const std::string& id, bool ok) {
                                    on_result(self, id, ok);
                                    consider_replacement(self);
                                  },
                                  [self](breaker_reset_atom) {
                                    self->state.circuit->reset();
                                    return caf::ok_atom::value;
                                  },
                              });
}

}  // namespace

caf::actor spawn_health_prober(caf::actor_system& sys, actor_directory& directory,
                               health_prober_deps deps) {
  auto a = sys.spawn(health_prober, std::move(deps));
  directory.add(a, "health_prober", "health_prober");
  return a;
}

}  // namespace acepool::actors
