// engine_registry: owns the engines (managed and static), the capacity claims of provisioning
// operations, and the stream records with their stats history. MAX_REPLICAS is enforced here,
// by one actor, for every path. Every change publishes the /engines and /streams snapshots and
// tells subscribers (the pool manager); the store gets every change to persist.
#include "actors/pool/engine_registry.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/pool/engine_registry_state.hpp"
#include "actors/pool/engine_table.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/store/database.hpp"
#include "actors/streams/engine_selection.hpp"
#include "actors/streams/stream_book.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/announce.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

using steady = std::chrono::steady_clock;
using wall = std::chrono::system_clock;
constexpr std::chrono::milliseconds stats_publish_delay{200};
constexpr std::chrono::seconds purge_every{60};

using registry_actor = tracked_typed_actor<engine_registry_state, engine_registry_handle>;

void changed(registry_actor* self) {
  auto& st = self->state;
  // Which stream runs where, once for the snapshot and the subscribers' sizing view.
  auto streams = st.book->active_by_engine();
  std::optional<sizing_view> view;
  if (!st.subscribers.empty()) view = st.table->sizing(streams);
  st.publish_engines(std::move(streams));
  st.publish_streams();
  for (auto& s : st.subscribers)
    caf::anon_send(s, registry_changed_atom::value, *view);
}

/// Sets up the state from the settings and what the database held.
void restore(registry_actor* self, store::history restored) {
  auto& st = self->state;
  st.book.emplace(static_cast<size_t>(st.settings->relay.stats_history_max));
  st.table.emplace(st.settings->engine_cap(), *st.book);
  st.table->remember_first_seen(std::move(restored.engine_first_seen));
  std::vector<std::string> interrupted;
  for (auto& [record, history] : restored.streams) {
    if (!record.ended && record.source == stream_source::relay &&
        restored.continuing.count(record.id) == 0)
      interrupted.push_back(record.id);
    st.book->restore(std::move(record), std::move(history));
  }
  // A relay's clients and session did not survive the restart that ended it: a clean stop ended
  // them itself (see the exit handler); after a crash they end when that process was last known
  // alive (the store's heartbeat, at most 30 s before the crash), not now.
  auto crashed_at = restored.last_alive.value_or(wall::now());
  for (const auto& id : interrupted) {
    // A stream that started after the last heartbeat ended no earlier than it started.
    const auto* record = st.book->find(id);
    st.end(id, "shutdown", record ? std::max(crashed_at, record->started_at) : crashed_at);
  }
  for (const auto& hp : st.settings->pool.static_engines)
    st.table->add_static(hp.host, hp.port, wall::now(), steady::now());
}

/// Capacity claims of provisioning operations.
auto capacity_handlers(registry_actor* self) {
  return std::make_tuple(
      [self](claim_atom, const std::string& claim) {
        bool had = self->state.table->claims().count(claim) > 0;
        bool granted = self->state.table->claim(claim);
        if (granted && !had) changed(self);
        return granted;
      },
      [self](claim_replacement_atom, const std::string& claim, const std::string& old_id) {
        bool had = self->state.table->claims().count(claim) > 0;
        bool granted = self->state.table->claim_replacement(claim, old_id);
        if (granted && !had) changed(self);
        return granted;
      },
      [self](unclaim_atom, const std::string& claim) {
        if (self->state.table->unclaim(claim)) changed(self);
        return caf::ok_atom::value;
      },
      [self](claim_container_atom, const std::string& claim, const std::string& container) {
        self->state.table->bind_claim(claim, container);
        return caf::ok_atom::value;
      },
      [](barrier_atom) { return caf::ok_atom::value; },
      [self](handed_over_atom, const std::vector<std::string>& ids) {
        self->state.handed_over.insert(ids.begin(), ids.end());
        return caf::ok_atom::value;
      },
      [self](engine_names_atom) { return self->state.table->names(); });
}

/// Reconciles with the containers Docker listed; the ids of engines that vanished.
std::vector<std::string> sync(registry_actor* self,
                              const std::vector<docker::container_summary>& running,
                              int64_t listed_at_ns) {
  auto& s = self->state;
  auto out = s.table->sync(running, steady::time_point(std::chrono::nanoseconds(listed_at_ns)),
                           *s.settings, wall::now(), steady::now());
  std::vector<std::string> forgotten;
  for (const auto& e : out.vanished) {
    announce(&s.published->feed, spdlog::level::info, "engine.vanished",
             {{"container", e.container_name}, {"container_id", e.container_id}});
    s.end_event_streams_on(e.container_id);
    forgotten.push_back(e.container_id);
  }
  for (const auto& [id, name] : out.newly_unadoptable)
    log::event(spdlog::level::warn, "engine.unadoptable",
               {{"container", name},
                {"id", id},
                {"detail",
                 "carries CONTAINER_LABEL but no usable HTTP port in its labels: not counted, not "
                 "used; remove it or give it another label"}});
  for (const auto& id : out.adopted) {
    const auto& e = s.table->engines().at(id);
    announce(&s.published->feed, spdlog::level::info, "engine.adopted",
             {{"container", e.container_name}, {"container_id", e.container_id}, {"port", e.port}});
    s.persist(e);
  }
  changed(self);
  return forgotten;
}

/// Engines coming, going and changing state.
auto lifecycle_handlers(registry_actor* self) {
  return std::make_tuple(
      [self](engine_up_atom, engine_record& e, const std::string& claim) {
        auto& s = self->state;
        auto id = e.container_id;
        if (s.table->engine_up(std::move(e), claim, wall::now(), steady::now())) {
          const auto& added = s.table->engines().at(id);
          announce(&s.published->feed, spdlog::level::info, "engine.added",
                   {{"container", added.container_name},
                    {"container_id", added.container_id},
                    {"port", added.port},
                    {"claim", claim}});
        }
        s.persist(s.table->engines().at(id));
        changed(self);
        return caf::ok_atom::value;
      },
      [self](engine_gone_atom, const std::string& key) -> std::string {
        auto& s = self->state;
        auto gone = s.table->remove(key);
        if (!gone) return "";
        announce(&s.published->feed, spdlog::level::info, "engine.removed",
                 {{"container", gone->engine.container_name},
                  {"container_id", gone->engine.container_id}});
        s.end_event_streams_on(gone->engine.container_id);
        changed(self);
        return gone->expected ? std::string() : gone->engine.container_id;
      },
      [self](engine_stopping_atom, const std::string& key) -> std::string {
        auto marked = self->state.table->mark_stopping(key);
        if (!marked) return "";
        if (marked->second) changed(self);
        return marked->first;
      },
      [self](set_engine_state_atom, const std::string& id, engine_state state) {
        if (self->state.table->set_state(id, state)) changed(self);
      },
      [self](set_health_atom, const std::string& id, health_status health, int64_t checked_at_ms) {
        auto transition = self->state.table->set_health(
            id, health, wall::time_point(std::chrono::milliseconds(checked_at_ms)));
        if (!transition) return;
        if (*transition)
          changed(self);
        else
          self->state.publish_engines();
      },
      [self](sync_engines_atom, const std::vector<docker::container_summary>& running,
             int64_t listed_at_ns) { return sync(self, running, listed_at_ns); });
}

/// Stream records: events from external proxies, the relay's sessions, stats and history.
auto stream_handlers(registry_actor* self) {
  return std::make_tuple(
      [self](stream_started_atom, const stream_started_event& ev, stream_source source) {
        auto r = self->state.start(ev, source);
        if (r.second) changed(self);
        return r.first;
      },
      [self](stream_ended_atom, const stream_ended_event& ev) {
        auto r = self->state.end_by_event(ev);
        if (r.updated) changed(self);
        return r;
      },
      [self](stream_batch_atom, const std::vector<stream_started_event>& started,
             const std::vector<stream_ended_event>& ended) {
        auto& s = self->state;
        stream_batch_result out;
        bool any = false;
        for (const auto& ev : started) {
          auto r = s.start(ev, stream_source::event);
          any = any || r.second;
          out.started.push_back(std::move(r.first));
        }
        for (const auto& ev : ended) {
          auto r = s.end_by_event(ev);
          any = any || r.updated;
          out.ended.push_back(std::move(r));
        }
        if (any) changed(self);
        return out;
      },
      [self](end_stream_atom, const std::string& id, const std::string& reason) {
        auto r = self->state.end(id, reason);
        if (r.updated) changed(self);
        return r;
      },
      [self](stream_history_atom, const std::string& id,
             int64_t since_ms) -> caf::result<std::vector<stats_snapshot>> {
        std::optional<wall::time_point> since;
        if (since_ms > 0) since = wall::time_point(std::chrono::milliseconds(since_ms));
        auto h = self->state.book->history(id, since);
        if (!h) return make_error(request_error::not_found, "stream not found");
        return std::move(*h);
      },
      [self](purge_streams_atom) {
        auto& s = self->state;
        auto n = s.book->purge_ended(wall::now() - s.settings->service.stream_history_ttl);
        if (n > 0) changed(self);
        return static_cast<int>(n);
      });
}

/// A relay's client count changed: the record shows it, the live feed says who joined or left.
void set_stream_clients(registry_actor* self, const std::string& id, int clients) {
  auto& s = self->state;
  int before = -1;
  auto set = [clients, &before](stream_record& r) {
    before = r.clients;
    r.clients = clients;
  };
  if (s.book->modify(id, set) == nullptr) return;
  s.publish_streams();
  if (before != clients)
    s.published->feed.publish("stream.clients",
                              {{"stream", id}, {"clients", clients}, {"before", before}});
}

/// The relay's sessions: engine choice, session changes, clients and stats.
auto relay_handlers(registry_actor* self) {
  return std::make_tuple(
      [self](select_engine_atom, const std::string& reservation, const engine_wishes& wishes,
             const std::string& own_stream) {
        auto& s = self->state;
        std::optional<std::string> own_container;
        if (const auto* own = s.book->find(own_stream); own != nullptr && !own->ended)
          own_container = own->container_id;
        auto with_local = wishes;
        // Swarm mode: among equals, an engine on acepool's own node keeps the bytes on the host.
        if (auto docker = s.published->docker.load(); docker->nodes)
          for (const auto& n : *docker->nodes)
            if (n.local) with_local.local_node = n.id;
        engine_choice choice;
        choice.engine = s.table->reserve(reservation, with_local,
                                         s.settings->pool.max_streams_per_engine, own_container);
        return choice;
      },
      [self](release_engine_atom, const std::string& reservation) {
        self->state.table->release(reservation);
      },
      [self](stream_session_atom, const std::string& id, const relay_session& session) {
        auto& s = self->state;
        const auto* old = s.book->find(id);
        if (old == nullptr || old->ended) return;
        auto previous = old->container_id;
        const auto* moved = s.book->modify(id, [&](stream_record& r) {
          r.container_id = session.container_id;
          r.playback_session_id = session.playback_session_id;
          r.stat_url = session.stat_url;
          r.command_url = session.command_url;
        });
        s.table->streams_changed_on(previous, wall::now(), steady::now());
        s.table->streams_changed_on(moved->container_id, wall::now(), steady::now());
        s.persist(*moved);
        changed(self);
      },
      [self](stream_clients_atom, const std::string& id, int clients) {
        set_stream_clients(self, id, clients);
      },
      [self](stream_stats_atom, const std::string& id, const stats_snapshot& snap) {
        auto& s = self->state;
        const auto* stream = s.book->find(id);
        if (stream == nullptr || stream->ended) return;
        s.book->record_stats(id, snap);
        if (s.store) caf::anon_send(s.store, store_stats_atom::value, id, snap);
        // Many streams report every few seconds: publish once per burst.
        if (!s.stats_publish_pending) {
          s.stats_publish_pending = true;
          self->delayed_send(self, stats_publish_delay, flush_atom::value);
        }
      },
      [self](flush_atom) {
        self->state.stats_publish_pending = false;
        self->state.publish_streams();
      });
}

/// Subscriptions and the purge timer.
auto own_handlers(registry_actor* self) {
  return std::make_tuple(
      [self](subscribe_atom, const caf::actor& who) {
        self->state.subscribers.push_back(who);
        return self->state.table->sizing();
      },
      [self](tick_atom) {
        auto& s = self->state;
        if (s.book->purge_ended(wall::now() - s.settings->service.stream_history_ttl) > 0)
          changed(self);
        self->delayed_send(self, purge_every, tick_atom::value);
      },
      stats_handler(self), state_handler(self), ping_handler());
}

/// A clean stop ends the relay streams at the moment they end (the store is stopped after every
/// other actor, so it writes these).
void on_exit(registry_actor* self, caf::exit_msg& msg) {
  auto& s = self->state;
  std::vector<std::string> relayed;
  for (const auto& stream : s.book->active_by_start())
    if (stream->source == stream_source::relay && s.handed_over.count(stream->id) == 0)
      relayed.push_back(stream->id);
  for (const auto& id : relayed)
    s.end(id, "shutdown");
  self->quit(msg.reason);
}

engine_registry_handle::behavior_type engine_registry(registry_actor* self,
                                                      published_state* published,
                                                      const config::settings* settings,
                                                      caf::actor store, store::history restored,
                                                      metrics::registry* metrics) {
  auto& st = self->state;
  st.settings = settings;
  st.published = published;
  st.store = std::move(store);
  restore(self, std::move(restored));
  if (metrics != nullptr) {
    st.started_counter = &metrics->counter(metrics::orch_events_started);
    st.ended_counter = &metrics->counter(metrics::orch_events_ended);
  }
  self->set_exit_handler([self](caf::exit_msg& msg) { on_exit(self, msg); });
  st.publish_engines();
  st.publish_streams();
  self->delayed_send(self, purge_every, tick_atom::value);
  return typed_behavior_of<engine_registry_handle>(capacity_handlers(self),
                                                   lifecycle_handlers(self), stream_handlers(self),
                                                   relay_handlers(self), own_handlers(self));
}

}  // namespace

engine_registry_handle spawn_engine_registry(caf::actor_system& sys, actor_directory& directory,
                                             published_state& published,
                                             const config::settings& settings, caf::actor store,
                                             const store::history& restored,
                                             metrics::registry* metrics) {
  auto a = sys.spawn(engine_registry, &published, &settings, std::move(store), restored, metrics);
  directory.add(caf::actor_cast<caf::actor>(a), "engine_registry", "engine_registry");
  return a;
}

}  // namespace acepool::actors
