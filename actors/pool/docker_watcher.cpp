// docker_watcher: keeps the registry and the port allocator true to Docker. The /events stream
// (on its own thread) gives immediacy; a full list every MONITOR_INTERVAL_S repairs anything
// missed (e.g. after the daemon restarted). The first successful list is the adoption.
#include "actors/pool/docker_watcher.hpp"

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/pool/swarm_node_changes.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/docker_event_stream.hpp"
#include "docker/engine_spec.hpp"
#include "support/announce.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/time_format.hpp"

namespace acepool::actors {

namespace {

using std::chrono::milliseconds;
constexpr milliseconds first_backoff{1000};
constexpr milliseconds max_backoff{30000};
constexpr milliseconds start_event_debounce{1000};

struct docker_watcher_state {
  static inline const char* name = "docker_watcher";
  docker_watcher_deps deps;
  std::unique_ptr<docker::docker_event_stream> stream;
  /// ORCHESTRATOR=swarm: services and nodes (their events carry no container labels).
  std::unique_ptr<docker::docker_event_stream> swarm_stream;
  std::optional<std::vector<docker::swarm_node>> nodes;
  bool adopted = false;
  bool syncing = false;
  bool resync = false;
  bool stream_connected = false;
  bool sync_soon_pending = false;
  uint64_t timer_generation = 0;
  milliseconds backoff = first_backoff;
  uint64_t syncs = 0, events = 0;
  std::string last_sync_at;
  std::string last_error;

  bool reachable = false;
  std::string detail = "not contacted yet";
  uint64_t nodes_asked = 0, nodes_answered = 0;  ///< node listings, to drop a stale answer

  void publish(bool now_reachable, std::string now_detail) {
    reachable = now_reachable;
    detail = std::move(now_detail);
    publish();
  }
  void publish() {
    docker_snapshot snap;
    snap.reachable = reachable;
    snap.adopted = adopted;
    snap.detail = detail;
    snap.nodes = nodes;
    deps.published->docker.publish(std::move(snap));
  }

  bool swarm() const {
    return deps.settings->docker.orchestrator == config::orchestrator_mode::swarm;
  }

  nlohmann::json summary() const {
    return {{"adopted", adopted},
            {"event_stream", stream_connected ? "connected" : "disconnected"},
            {"syncs", syncs},
            {"events", events},
            {"last_sync_at", last_sync_at},
            {"last_error", last_error}};
  }
};

using docker_watcher_actor = tracked_actor<docker_watcher_state>;

void schedule_sync(docker_watcher_actor* self, milliseconds after) {
  auto gen = ++self->state.timer_generation;
  self->delayed_send(self, after, sync_atom::value, gen);
}

void sync(docker_watcher_actor* self);

/// The listing failed: Docker is unreachable; try again with a growing backoff.
void on_list_failed(docker_watcher_actor* self, const std::string& why) {
  auto& st = self->state;
  st.last_error = why;
  st.publish(false, why);
  announce(&st.deps.published->feed, st.adopted ? spdlog::level::warn : spdlog::level::info,
           "docker.unreachable", {{"detail", why}, {"retry_ms", st.backoff.count()}});
  schedule_sync(self, st.backoff);
  st.backoff = std::min(st.backoff * 2, max_backoff);
}

/// A listing of every managed container, taken at `listed_at`: the registry adopts and forgets
/// engines, the allocator rebuilds its bound ports, the provisioner reaps what does not run.
void on_listed(docker_watcher_actor* self, std::vector<docker::container_summary> listed,
               int64_t listed_at) {
  auto& st = self->state;
  st.backoff = first_backoff;
  ++st.syncs;
  st.last_sync_at = support::now_rfc3339();
  std::vector<docker::container_summary> running, running_engines, dead;
  for (auto& c : listed) {
    // A `restarting` one's supervisor (Swarm, ORCHESTRATOR=swarm) is starting it again:
    // neither usable nor dead. It stays an engine (so the pool does not replace what Swarm is
    // restarting; the health prober replaces it if it never answers again) and keeps its
    // ports. acepool's own containers never restart by themselves.
    if (c.state == "running" || c.state == "restarting") {
      if (!docker::is_generic(c.labels)) running_engines.push_back(c);
      running.push_back(std::move(c));
    } else if (!st.adopted || !docker::is_generic(c.labels)) {
      // Non-running managed containers go at start; later only dead engines (a dead generic
      // container is left for POST /gc).
      dead.push_back(std::move(c));
    }
  }
  auto& d = st.deps;
  auto counts = nlohmann::json{{"running_engine_containers", running_engines.size()},
                               {"containers", running.size()},
                               {"removed", dead.size()}};
  self->request(d.registry, std::chrono::seconds(10), sync_engines_atom::value, running_engines,
                listed_at)
      .then(
          [self, counts](const std::vector<std::string>& forgotten) {
            for (const auto& id : forgotten)
              caf::anon_send(self->state.deps.allocator, release_ports_atom::value, id);
            // Only now: the registry's notice with the adopted engines reaches the pool manager
            // before this, so its first reconciliation counts them.
            if (self->state.adopted) return;
            self->state.adopted = true;
            announce(&self->state.deps.published->feed, spdlog::level::info, "docker.adopted",
                     counts);
            caf::anon_send(self->state.deps.pool_manager, adopted_atom::value);
            self->state.publish(true, "ok");
          },
          [](caf::error&) {});  // the next sync repairs it (and adopts then)
  caf::anon_send(d.allocator, rebuild_ports_atom::value, running, listed_at);
  if (!dead.empty()) caf::anon_send(d.provisioner, reap_atom::value, dead);
  st.publish(true, "ok");
  st.last_error.clear();
}

/// Swarm mode: the nodes after each listing; a node that changes state or availability (lost,
/// back, drained) is announced.
void refresh_nodes(docker_watcher_actor* self) {
  auto asked = ++self->state.nodes_asked;
  self->request(self->state.deps.quick_pool, std::chrono::seconds(30), docker_nodes_atom::value)
      .then(
          [self, asked](docker::result<std::vector<docker::swarm_node>>& r) {
            auto& st = self->state;
            // The listing's own outcome says whether Docker answers; an answer older than one
            // already taken (two workers) is no news.
            if (!r.ok() || asked < st.nodes_answered) return;
            st.nodes_answered = asked;
            for (const auto& change : swarm_node_changes(st.nodes, *r))
              announce(&st.deps.published->feed,
                       change.schedulable() ? spdlog::level::info : spdlog::level::warn,
                       "swarm.node",
                       {{"node", change.id},
                        {"hostname", change.hostname},
                        {"state", change.state},
                        {"availability", change.availability}});
            st.nodes = std::move(*r);
            st.publish();
          },
          [](caf::error&) {});  // the next sync asks again
}

void sync_soon(docker_watcher_actor* self) {
  auto& st = self->state;
  if (!st.adopted || st.sync_soon_pending) return;
  st.sync_soon_pending = true;
  self->delayed_send(self, start_event_debounce, sync_atom::value, uint64_t{0});
}

void sync(docker_watcher_actor* self) {
  auto& st = self->state;
  if (st.syncing) {
    st.resync = true;
    return;
  }
  st.syncing = true;
  const auto& label = st.deps.settings->docker.container_label;
  docker::filters f{{"label", {label.first + "=" + label.second}}};
  // Everything registered after this instant is newer than the list and must survive it.
  const int64_t listed_at = std::chrono::steady_clock::now().time_since_epoch().count();
  self->request(st.deps.quick_pool, std::chrono::seconds(30), docker_list_atom::value, f, true)
      .then(
          [self, listed_at](docker::result<std::vector<docker::container_summary>>& r) {
            auto& st = self->state;
            st.syncing = false;
            if (!r.ok()) return on_list_failed(self, r.error().message);
            on_listed(self, std::move(*r), listed_at);
            if (st.swarm()) refresh_nodes(self);
            if (st.resync) {
              st.resync = false;
              sync(self);
            }
            schedule_sync(self, st.deps.settings->pool.monitor_interval);
          },
          [self](caf::error&) {
            auto& st = self->state;
            st.syncing = false;
            st.publish(false, "the docker workers did not answer");
            schedule_sync(self, st.backoff);
          });
}

void on_event(docker_watcher_actor* self, const docker::docker_event& e) {
  auto& st = self->state;
  ++st.events;
  if (st.deps.metrics != nullptr)
    st.deps.metrics->counter(metrics::docker_events, {{"action", e.action}}).inc();
  if (st.swarm()) {
    // A service, node or task container changed: Swarm restarts and moves engines itself, so
    // acepool only looks again (soon, once for a burst). Never removes what Swarm supervises.
    sync_soon(self);
    return;
  }
  if (e.type != "container" || e.id.empty()) return;
  auto& d = st.deps;
  if (e.action == "die" || e.action == "destroy") {
    auto id = e.id;
    bool dead = e.action == "die";
    self->request(d.registry, std::chrono::seconds(10), engine_gone_atom::value, id)
        .then(
            [self, id, dead](const std::string& engine_id) {
              auto& d = self->state.deps;
              caf::anon_send(d.allocator, release_ports_atom::value, id);
              // A dead engine's container is removed: acepool is the supervisor (restart policy
              // no).
              if (dead && !engine_id.empty())
                caf::anon_send(d.provisioner, remove_container_atom::value, id,
                               std::string("died"));
            },
            [](caf::error&) {});  // the next sync repairs it
    log::event(spdlog::level::info, "docker.container_" + std::string(dead ? "died" : "destroyed"),
               {{"container", e.attributes.count("name") ? e.attributes.at("name") : e.id},
                {"exit_code", e.attributes.count("exitCode") ? e.attributes.at("exitCode") : ""}});
  } else if (e.action == "start") {
    // A start acepool did not make (or its own, which the sync skips while it is being
    // provisioned): adopt it after a short debounce.
    sync_soon(self);
  }
}

caf::behavior docker_watcher(docker_watcher_actor* self, docker_watcher_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.publish(false, "not contacted yet");
  const auto& label = st.deps.settings->docker.container_label;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.stream = std::make_unique<docker::docker_event_stream>(
      st.deps.client,
      docker::filters{{"type", {"container"}}, {"label", {label.first + "=" + label.second}}},
      [me](const docker::docker_event& e) { caf::anon_send(me, docker_event_atom::value, e); },
      [me](bool connected, const std::string& detail) {
        caf::anon_send(me, docker_stream_atom::value, connected, detail);
      });
  if (st.swarm())
    st.swarm_stream = std::make_unique<docker::docker_event_stream>(
        st.deps.client, docker::filters{{"type", {"service", "node"}}},
        [me](const docker::docker_event& e) { caf::anon_send(me, docker_event_atom::value, e); },
        // The container stream reports the connection; a reconnect catches up on what the
        // events did not say.
        [me](bool connected, const std::string&) {
          if (connected) caf::anon_send(me, sync_atom::value, uint64_t{0});
        });
  if (st.deps.event_stream) {
    st.stream->start();
    if (st.swarm_stream) st.swarm_stream->start();
  }
  self->send(self, sync_atom::value, uint64_t{0});
  return introspectable(
      self, caf::message_handler{
                [self](sync_atom, uint64_t generation) {
                  auto& st = self->state;
                  if (generation == 0)
                    st.sync_soon_pending = false;
                  else if (generation != st.timer_generation)
                    return;  // a newer timer replaced it
                  sync(self);
                },
                [self](docker_event_atom, const docker::docker_event& e) { on_event(self, e); },
                [self](docker_stream_atom, bool connected, const std::string& detail) {
                  auto& st = self->state;
                  if (connected == st.stream_connected) return;
                  st.stream_connected = connected;
                  announce(&st.deps.published->feed,
                           connected ? spdlog::level::info : spdlog::level::warn,
                           "docker.event_stream", {{"connected", connected}, {"detail", detail}});
                  // Reconnected: catch up on anything the events did not cover.
                  if (connected) sync(self);
                },
            });
}

}  // namespace

caf::actor spawn_docker_watcher(caf::actor_system& sys, actor_directory& directory,
                                docker_watcher_deps deps) {
  auto a = sys.spawn(docker_watcher, std::move(deps));
  directory.add(a, "docker_watcher", "docker_watcher");
  return a;
}

}  // namespace acepool::actors
