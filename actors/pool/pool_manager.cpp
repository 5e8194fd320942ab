// pool_manager: the hands of pool_policy. It asks the registry for the pool, lets the policy
// decide, claims capacity for each engine it wants before asking the provisioner (so its next
// reconciliation already counts them), and removes idle engines through the provisioner. While
// provisioning is blocked (breaker, capacity) it backs off instead of retrying in a loop.
#include "actors/pool/pool_manager.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/logging.hpp"

namespace acepool::actors {

namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::seconds min_blocked_backoff{5};

struct pool_manager_state {
  static inline const char* name = "pool_manager";
  caf::actor registry, provisioner, quick_pool;
  const config::settings* settings = nullptr;
  const published_state* published = nullptr;
  std::optional<pool_policy> policy;
  std::map<std::string, std::string> recycle;  // engine → reason: removed once it has no stream
  std::optional<int> scale_target;
  bool adopted = false;
  bool busy = false;
  bool dirty = false;
  uint64_t next_claim = 1;
  std::set<std::string> removing;     // removals requested, not yet answered
  clock::time_point blocked_until{};  // no provisioning before this (blocked or failing)
  uint64_t provisions_requested = 0, removals_requested = 0;
  std::string last_decision;

  nlohmann::json summary() const {
    return {
        {"adopted", adopted},
        {"scale_target", scale_target ? nlohmann::json(*scale_target) : nlohmann::json(nullptr)},
        {"provisions_requested", provisions_requested},
        {"removals_requested", removals_requested},
        {"removing", removing.size()},
        {"last_decision", last_decision}};
  }
};

using pm_actor = tracked_actor<pool_manager_state>;

sizing_view without_removing(sizing_view v, const std::set<std::string>& removing) {
  for (auto& e : v.engines)
    if (removing.count(e.id)) e.state = engine_state::stopping;
  return v;
}

void request_removal(pm_actor* self, const std::string& id, const std::string& reason,
                     std::function<void(bool)> done = {}) {
  auto& st = self->state;
  if (!st.removing.insert(id).second) {
    // Already being removed (e.g. an idle engine /gc just asked for, listed as exited): that
    // removal reports; this caller still gets its answer.
    if (done) done(false);
    return;
  }
  ++st.removals_requested;
  self->request(st.provisioner, st.settings->service.api_long_operation_timeout,
                remove_container_atom::value, id, reason)
      .then(
          [self, id, done](removal_result& r) {
            self->state.removing.erase(id);
            if (!r.ok)
              log::event(spdlog::level::warn, "pool.removal_failed",
                         {{"container", id}, {"detail", r.message}});
            if (done) done(r.ok);
          },
          [self, id, done](caf::error&) {
            self->state.removing.erase(id);
            if (done) done(false);
          });
}

/// Claims capacity for `n` engines and asks the provisioner for them; `then` runs once every claim
/// has been answered (so the registry counts them before the next reconciliation).
void provision(pm_actor* self, int n, std::function<void(int)> then) {
  auto& st = self->state;
  auto outstanding = std::make_shared<int>(n);
  auto started = std::make_shared<int>(0);
  if (n == 0) return then(0);
  for (int i = 0; i < n; ++i) {
    auto claim = "pool-" + std::to_string(st.next_claim++);
    self->request(st.registry, std::chrono::seconds(10), claim_atom::value, claim)
        .then(
            [self, claim, outstanding, started, then](bool granted) {
              auto& st = self->state;
              if (granted) {
                ++*started;
                ++st.provisions_requested;
                engine_request req;
                req.origin = request_origin::pool;
                req.claim = claim;
                self->request(st.provisioner, st.settings->service.api_long_operation_timeout,
                              provision_engine_atom::value, req)
                    .then(
                        [self](provision_result& r) {
                          if (r.ok()) return;
                          auto& st = self->state;
                          auto backoff = std::max<std::chrono::milliseconds>(
                              min_blocked_backoff,
                              std::chrono::seconds(r.error->eta_s.value_or(0)));
                          st.blocked_until = clock::now() + backoff;
                          self->delayed_send(self, backoff, reconcile_atom::value);
                        },
                        [](caf::error&) {});
              }
              if (--*outstanding == 0) then(*started);
            },
            [outstanding, started, then](caf::error&) {
              if (--*outstanding == 0) then(*started);
            });
  }
}

void reconcile(pm_actor* self);

/// Removes the engines marked for recycling that have no stream now (they are counted as
/// stopping in `view`, so the policy replaces them in the same decision).
void remove_recycled(pm_actor* self, sizing_view& view) {
  auto& st = self->state;
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
    it = st.recycle.erase(it);
  }
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
    log::event(spdlog::level::info, "pool.recycle", {{"engines", marked}, {"reason", reason}});
  reconcile(self);
}

void reconcile(pm_actor* self) {
  auto& st = self->state;
  if (!st.adopted) return;
  if (st.busy) {
    st.dirty = true;
    return;
  }
  st.busy = true;
  self->request(st.registry, std::chrono::seconds(10), sizing_view_atom::value)
      .then(
          [self](sizing_view& v) {
            auto& st = self->state;
            auto view = without_removing(std::move(v), st.removing);
            remove_recycled(self, view);
            auto d = st.policy->reconcile(view, st.scale_target, clock::now());
            if (d.provision > 0 && clock::now() < st.blocked_until) d.provision = 0;
            // docs/behaviour.md §6: the pool waits for the VPN instead of collecting 503s.
            if (st.settings->vpn.enabled() && !st.published->vpn.load()->connected) d.provision = 0;
            if (!d.empty()) {
              st.last_decision = "provision " + std::to_string(d.provision) + ", remove " +
                                 std::to_string(d.remove.size());
              log::event(spdlog::level::info, "pool.decision",
                         {{"provision", d.provision},
                          {"remove", d.remove},
                          {"provisioning", view.provisioning}});
            }
            for (const auto& id : d.remove)
              request_removal(self, id, "autoscale");
            provision(self, d.provision, [self](int) {
              auto& st = self->state;
              st.busy = false;
              if (st.dirty) {
                st.dirty = false;
                reconcile(self);
              }
            });
          },
          [self](caf::error&) { self->state.busy = false; });
}

/// POST /scale/{n}: the new target, applied at once; answers after the provisions it started
/// were admitted.
caf::result<scale_result> scale(pm_actor* self, int n) {
  auto rp = self->make_response_promise<scale_result>();
  auto& st = self->state;
  st.scale_target = n;
  self->request(st.registry, std::chrono::seconds(10), sizing_view_atom::value)
      .then(
          [self, rp, n](sizing_view& v) mutable {
            auto& st = self->state;
            auto view = without_removing(std::move(v), st.removing);
            auto d = st.policy->reconcile(view, n, clock::now());
            scale_result r;
            r.requested = n;
            r.scaled_to = st.policy->effective_target(n, view);
            r.stopping = static_cast<int>(d.remove.size());
            log::event(spdlog::level::info, "pool.scale",
                       {{"requested", n},
                        {"target", r.scaled_to},
                        {"provision", d.provision},
                        {"remove", d.remove}});
            for (const auto& id : d.remove)
              request_removal(self, id, "scale");
            provision(self, d.provision, [rp, r](int started) mutable {
              r.started = started;
              rp.deliver(r);
            });
          },
          [rp](caf::error& e) mutable { rp.deliver(e); });
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
              if (c.state == "running") continue;
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
  self->request(self->state.registry, std::chrono::seconds(10), sizing_view_atom::value)
      .then(
          [self, run](sizing_view& v) {
            auto& st = self->state;
            auto ids = st.policy->gc(without_removing(std::move(v), st.removing), st.scale_target,
                                     clock::now());
            for (const auto& id : ids) {
              ++run->pending;
              request_removal(self, id, "gc", [run, id](bool ok) {
                if (ok) run->result.removed_engines.push_back(id);
                run->finish_one();
              });
            }
            gc_stopped_containers(self, run);
            run->finish_one();
          },
          [run](caf::error& e) { run->rp.deliver(e); });
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
caf::message_handler vpn_handlers(pm_actor* self) {
  return {
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
      },
  };
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

caf::behavior pool_manager(pm_actor* self, caf::actor registry, caf::actor provisioner,
                           caf::actor quick_pool, const config::settings* settings,
                           const published_state* published) {
  auto& st = self->state;
  st.published = published;
  st.registry = std::move(registry);
  st.provisioner = std::move(provisioner);
  st.quick_pool = std::move(quick_pool);
  st.settings = settings;
  st.policy.emplace(limits_of(*settings));
  self->send(st.registry, subscribe_atom::value, caf::actor_cast<caf::actor>(self));
  self->delayed_send(self, settings->pool.autoscale_interval, tick_atom::value);
  caf::message_handler sizing{
      [self](adopted_atom) {
        if (self->state.adopted) return;
        self->state.adopted = true;
        reconcile(self);
      },
      [self](reconcile_atom) { reconcile(self); },
      [self](registry_changed_atom) { reconcile(self); },
      [](caf::ok_atom) {},  // the registry's answer to subscribe
      [self](tick_atom) {
        reconcile(self);
        self->delayed_send(self, self->state.settings->pool.autoscale_interval, tick_atom::value);
      },
      [self](scale_atom, int n) { return scale(self, n); },
      [self](gc_atom) { return collect_garbage(self); },
  };
  return introspectable(self, sizing.or_else(vpn_handlers(self)));
}

}  // namespace

caf::actor spawn_pool_manager(caf::actor_system& sys, actor_directory& directory,
                              caf::actor registry, caf::actor provisioner, caf::actor quick_pool,
                              const config::settings& settings, const published_state& published) {
  auto a = sys.spawn(pool_manager, std::move(registry), std::move(provisioner),
                     std::move(quick_pool), &settings, &published);
  directory.add(a, "pool_manager", "pool_manager");
  return a;
}

}  // namespace acepool::actors
