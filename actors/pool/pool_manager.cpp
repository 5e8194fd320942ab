// pool_manager: the hands of pool_policy. The registry announces the pool after every change;
// the manager lets the policy decide, removes idle engines and asks for new ones through the
// provisioner, whose answer comes once the registry has applied both, so the next reconciliation
// already sees them. Reconciliations run one at a time (/scale included). While provisioning is
// blocked (breaker, VPN) it backs off instead of retrying in a loop.
#include "actors/pool/pool_manager.hpp"

#include <tuple>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/provisioning/provisioner_handle.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/announce.hpp"
#include "support/logging.hpp"

namespace acepool::actors {

namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::seconds min_blocked_backoff{5};

/// What one reconciliation decided, for the /scale answers waiting on it.
struct reconcile_outcome {
  sizing_view view;  // the pool it decided on
  int stopping = 0;  // engines it asked to remove
  int started = 0;   // engines the provisioner admitted
};

struct pool_manager_state {
  static inline const char* name = "pool_manager";
  engine_registry_handle registry;
  provisioner_handle provisioner;
  caf::actor quick_pool;
  const config::settings* settings = nullptr;
  published_state* published = nullptr;
  support::live_feed* feed() const { return &published->feed; }
  std::optional<pool_policy> policy;
  std::map<std::string, std::string> recycle;  // engine → reason: removed once it has no stream
  std::optional<int> scale_target;
  std::optional<sizing_view> view;  // the pool as the registry last announced it
  bool adopted = false;
  bool busy = false;   // a reconciliation waits for the provisioner's answer
  bool dirty = false;  // something changed meanwhile: reconcile again after it
  std::vector<std::function<void(const reconcile_outcome&)>> waiting;  // answered by the next run
  clock::time_point blocked_until{};  // no provisioning before this (blocked or failing)
  uint64_t provisions_requested = 0, removals_requested = 0;
  std::string last_decision;

  nlohmann::json summary() const {
    return {
        {"adopted", adopted},
        {"scale_target", scale_target ? nlohmann::json(*scale_target) : nlohmann::json(nullptr)},
        {"provisions_requested", provisions_requested},
        {"removals_requested", removals_requested},
        {"last_decision", last_decision}};
  }
};

using pm_actor = tracked_typed_actor<pool_manager_state, pool_manager_handle>;

/// Asks the provisioner to remove a container (it marks an engine stopping at the registry
/// first; a container already being removed joins that removal).
void request_removal(pm_actor* self, const std::string& id, const std::string& reason,
                     const std::function<void(bool)>& done = {}) {
  auto& st = self->state;
  ++st.removals_requested;
  self->request(st.provisioner, st.settings->service.api_long_operation_timeout,
                remove_container_atom::value, id, reason)
      .then(
          [done](const std::string&) {
            if (done) done(true);
          },
          [self, id, done](caf::error& err) {
            auto failure = as_request_failure(err);
            log::event(spdlog::level::warn, "pool.removal_failed",
                       {{"container", id},
                        {"detail", failure ? failure->detail : self->system().render(err)}});
            if (done) done(false);
          });
}

/// Provisioning waits `eta_s` seconds (at least min_blocked_backoff), then reconciles again.
void back_off(pm_actor* self, int eta_s) {
  auto backoff =
      std::max<std::chrono::milliseconds>(min_blocked_backoff, std::chrono::seconds(eta_s));
  self->state.blocked_until = clock::now() + backoff;
  self->delayed_send(self, backoff, reconcile_atom::value);
}

/// Asks the provisioner for `n` engines (0: only waits for the removals asked before); `then`
/// runs with how many were admitted, once the registry applied their claims and every removal
/// asked before (so the next reconciliation already sees them).
void provision(pm_actor* self, int n, const std::function<void(int)>& then) {
  auto& st = self->state;
  self->request(st.provisioner, std::chrono::seconds(30), provision_pool_atom::value, n)
      .then(
          [self, then](const pool_admission& a) {
            self->state.provisions_requested += static_cast<uint64_t>(a.admitted);
            if (a.blocked_eta_s) back_off(self, *a.blocked_eta_s);
            then(a.admitted);
          },
          [then](caf::error&) { then(0); });
}

void reconcile(pm_actor* self);

/// Removes the engines marked for recycling that have no stream now (they are counted as
/// stopping in `view`, so the policy replaces them in the same decision); how many.
int remove_recycled(pm_actor* self, sizing_view& view) {
  auto& st = self->state;
  int removed = 0;
  for (auto it = st.recycle.begin(); it != st.recycle.end();) {
    auto e = std::find_if(view.engines.begin(), view.engines.end(),
                          [&](const sizing_engine& x) { return x.id == it->first; });
    if (e == view.engines.end()) {
      it = st.recycle.erase(it);
      continue;
    }
    if (e->streams > 0) {
      ++it;
      continue;
    }
    e->state = engine_state::stopping;
    request_removal(self, it->first, it->second);
    ++removed;
    it = st.recycle.erase(it);
  }
  return removed;
}

/// Marks the managed engines `which` selects for recycling (at once when idle, otherwise when
/// their streams end) and reconciles.
void recycle_engines(pm_actor* self, const std::function<bool(const engine_record&)>& which,
                     const std::string& reason) {
  auto& st = self->state;
  std::vector<std::string> marked;
  for (const auto& e : st.published->engines.load()->engines)
    if (e.managed() && which(e) && st.recycle.emplace(e.container_id, reason).second)
      marked.push_back(e.container_id);
  if (!marked.empty())
    announce(st.feed(), spdlog::level::info, "pool.recycle",
             {{"engines", marked}, {"reason", reason}});
  reconcile(self);
}

/// A reconciliation is over: its waiting /scale answers, then another run if anything changed.
void finish_run(pm_actor* self, const reconcile_outcome& outcome,
                const std::vector<std::function<void(const reconcile_outcome&)>>& answers) {
  auto& st = self->state;
  st.busy = false;
  for (const auto& answer : answers)
    answer(outcome);
  if (st.dirty) {
    st.dirty = false;
    reconcile(self);
  }
}

void reconcile(pm_actor* self) {
  auto& st = self->state;
  if (!st.adopted || !st.view) return;
  if (st.busy) {
    st.dirty = true;
    return;
  }
  st.busy = true;
  auto answers = std::move(st.waiting);
  st.waiting.clear();
  reconcile_outcome outcome;
  outcome.view = *st.view;
  auto removals = remove_recycled(self, outcome.view);
  auto d = st.policy->reconcile(outcome.view, st.scale_target, clock::now());
  if (d.provision > 0 && clock::now() < st.blocked_until) d.provision = 0;
  // docs/behaviour.md §6: the pool waits for the VPN instead of collecting 503s.
  if (st.settings->vpn.enabled() && !st.published->vpn.load()->connected) d.provision = 0;
  if (!d.empty()) {
    st.last_decision =
        "provision " + std::to_string(d.provision) + ", remove " + std::to_string(d.remove.size());
    log::event(spdlog::level::info, "pool.decision",
               {{"provision", d.provision},
                {"remove", d.remove},
                {"provisioning", outcome.view.provisioning}});
  }
  for (const auto& id : d.remove)
    request_removal(self, id, answers.empty() ? "autoscale" : "scale");
  outcome.stopping = static_cast<int>(d.remove.size());
  if (d.provision == 0 && d.remove.empty() && removals == 0)
    return finish_run(self, outcome, answers);
  provision(self, d.provision, [self, outcome, answers](int started) mutable {
    outcome.started = started;
    finish_run(self, outcome, answers);
  });
}

/// POST /scale/{n}: the new target, applied by the next reconciliation (at once unless one
/// runs); answers after the provisions it started were admitted. An explicit /scale tries
/// again now, even while provisioning backs off.
caf::result<scale_result> scale(pm_actor* self, int n) {
  auto rp = self->make_response_promise<scale_result>();
  auto& st = self->state;
  st.scale_target = n;
  st.blocked_until = {};
  auto answer = [self, rp, n](const reconcile_outcome& outcome) mutable {
    scale_result r;
    r.requested = n;
    r.scaled_to = self->state.policy->effective_target(n, outcome.view);
    r.stopping = outcome.stopping;
    r.started = outcome.started;
    announce(self->state.feed(), spdlog::level::info, "pool.scale",
             {{"requested", n},
              {"target", r.scaled_to},
              {"started", r.started},
              {"stopping", r.stopping}});
    rp.deliver(r);
  };
  if (!st.adopted || !st.view) {
    // Before the adoption nothing is started: the target applies once it is done.
    reconcile_outcome now;
    if (st.view) now.view = *st.view;
    answer(now);
    return rp;
  }
  st.waiting.push_back(std::move(answer));
  reconcile(self);
  return rp;
}

/// One POST /gc: answered when every removal it started and the stream purge are done.
struct gc_run {
  caf::typed_response_promise<gc_result> rp;
  gc_result result;
  int pending = 1;  // released once the engine list was handled
  void finish_one() {
    if (--pending == 0) rp.deliver(result);
  }
};

/// Managed containers (engines or generic) that are not running.
void gc_stopped_containers(pm_actor* self, const std::shared_ptr<gc_run>& run) {
  const auto& label = self->state.settings->docker.container_label;
  docker::filters f{{"label", {label.first + "=" + label.second}}};
  ++run->pending;
  self->request(self->state.quick_pool, std::chrono::seconds(30), docker_list_atom::value, f, true)
      .then(
          [self, run](docker::result<std::vector<docker::container_summary>>& r) {
            if (!r.ok()) return run->finish_one();
            for (const auto& c : *r) {
              // One its supervisor restarts (a Swarm engine's task) is not stopped.
              if (c.state == "running" || c.state == "restarting") continue;
              ++run->pending;
              request_removal(self, c.id, "gc", [run, id = c.id](bool ok) {
                if (ok) run->result.removed_containers.push_back(id);
                run->finish_one();
              });
            }
            run->finish_one();
          },
          [run](caf::error&) { run->finish_one(); });
}

/// Idle engines above the floors whose idle time passed IDLE_TTL_S, then stopped containers.
void gc_idle_engines(pm_actor* self, const std::shared_ptr<gc_run>& run) {
  auto& st = self->state;
  std::vector<std::string> ids;
  if (st.view) ids = st.policy->gc(*st.view, st.scale_target, clock::now());
  for (const auto& id : ids) {
    ++run->pending;
    request_removal(self, id, "gc", [run, id](bool ok) {
      if (ok) run->result.removed_engines.push_back(id);
      run->finish_one();
    });
  }
  gc_stopped_containers(self, run);
  run->finish_one();
}

/// Ended streams older than STREAM_HISTORY_TTL_S.
void gc_streams(pm_actor* self, const std::shared_ptr<gc_run>& run) {
  ++run->pending;
  self->request(self->state.registry, std::chrono::seconds(10), purge_streams_atom::value)
      .then(
          [run](int n) {
            run->result.purged_streams = n;
            run->finish_one();
          },
          [run](caf::error&) { run->finish_one(); });
}

/// POST /gc.
caf::result<gc_result> collect_garbage(pm_actor* self) {
  auto run = std::make_shared<gc_run>();
  run->rp = self->make_response_promise<gc_result>();
  gc_idle_engines(self, run);
  gc_streams(self, run);
  return run->rp;
}

/// What the VPN watcher reports.
auto vpn_handlers(pm_actor* self) {
  return std::make_tuple(
      [self](vpn_reconnected_atom, bool was_down) {
        auto& st = self->state;
        st.blocked_until = {};
        if (was_down && st.settings->vpn.restart_engines_on_reconnect)
          return recycle_engines(
              self, [](const engine_record&) { return true; }, "vpn_reconnect");
        reconcile(self);
      },
      [self](vpn_forwarded_atom, int port) {
        // The engine holding the previous forwarded port gives way to a new forwarded one.
        recycle_engines(
            self,
            [port](const engine_record& e) { return e.forwarded && e.forwarded_port != port; },
            "forwarded_port_changed");
      },
      [self](vpn_restarted_atom) {
        // Every engine in the old namespace lost its network: recreate them all at once.
        auto& st = self->state;
        for (const auto& e : st.published->engines.load()->engines)
          if (e.managed() && e.vpn_container)
            request_removal(self, e.container_id, "vpn_restarted");
        reconcile(self);
      });
}

sizing_limits limits_of(const config::settings& s) {
  sizing_limits l;
  l.min_replicas = s.pool.min_replicas;
  l.min_free_replicas = s.pool.min_free_replicas;
  l.max_replicas = s.engine_cap();
  l.auto_delete = s.pool.auto_delete;
  l.grace = s.pool.engine_grace_period;
  l.idle_ttl = s.pool.idle_ttl;
  return l;
}

pool_manager_handle::behavior_type pool_manager(pm_actor* self, engine_registry_handle registry,
                                                provisioner_handle provisioner,
                                                caf::actor quick_pool,
                                                const config::settings* settings,
                                                published_state* published) {
  auto& st = self->state;
  st.published = published;
  st.registry = std::move(registry);
  st.provisioner = std::move(provisioner);
  st.quick_pool = std::move(quick_pool);
  st.settings = settings;
  st.policy.emplace(limits_of(*settings));
  self->request(st.registry, std::chrono::seconds(10), subscribe_atom::value,
                caf::actor_cast<caf::actor>(self))
      .then(
          [self](sizing_view& v) {
            self->state.view = std::move(v);
            reconcile(self);
          },
          [](caf::error&) {});
  self->delayed_send(self, settings->pool.autoscale_interval, tick_atom::value);
  auto sizing = std::make_tuple(
      [self](adopted_atom) {
        if (self->state.adopted) return;
        self->state.adopted = true;
        reconcile(self);
      },
      [self](reconcile_atom) { reconcile(self); },
      [self](registry_changed_atom, sizing_view& v) {
        self->state.view = std::move(v);
        reconcile(self);
      },
      [self](tick_atom) {
        reconcile(self);
        self->delayed_send(self, self->state.settings->pool.autoscale_interval, tick_atom::value);
      },
      [self](scale_atom, int n) { return scale(self, n); },
      [self](pool_provision_failed_atom, int eta_s) { back_off(self, eta_s); },
      [self](gc_atom) { return collect_garbage(self); }, stats_handler(self), state_handler(self),
      ping_handler());
  return typed_behavior_of<pool_manager_handle>(std::move(sizing), vpn_handlers(self));
}

}  // namespace

pool_manager_handle spawn_pool_manager(caf::actor_system& sys, actor_directory& directory,
                                       engine_registry_handle registry,
                                       provisioner_handle provisioner, caf::actor quick_pool,
                                       const config::settings& settings,
                                       published_state& published) {
  auto a = sys.spawn(pool_manager, std::move(registry), std::move(provisioner),
                     std::move(quick_pool), &settings, &published);
  directory.add(caf::actor_cast<caf::actor>(a), "pool_manager", "pool_manager");
  return a;
}

}  // namespace acepool::actors
