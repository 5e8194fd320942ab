// engine_registry: owns the engines (managed and static), the capacity claims of provisioning
// operations, and the stream records with their stats history. MAX_REPLICAS is enforced here,
// by one actor, for every path. Every change publishes the /engines and /streams snapshots and
// tells subscribers (the pool manager); the store gets every change to persist.
#include "actors/pool/engine_registry.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/store/database.hpp"
#include "actors/streams/engine_selection.hpp"
#include "actors/streams/stream_book.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/logging.hpp"

namespace acepool::actors {

namespace {

/// One engine as /debug/actors/engine_registry shows it: the registry's own fields, internal
/// ones included (the API's Engine object is HTTP's to render).
nlohmann::json debug_view(const engine_record& e) {
  return {{"container_id", e.container_id},
          {"container_name", e.container_name},
          {"address", e.host + ":" + std::to_string(e.port)},
          {"container_http_port", e.container_http_port},
          {"container_https_port", e.container_https_port},
          {"state", to_string(e.state)},
          {"health", to_string(e.health)},
          {"streams", e.streams},
          {"forwarded", e.forwarded},
          {"vpn_container", e.vpn_container.value_or("")},
          {"labels", e.labels}};
}

using steady = std::chrono::steady_clock;
using wall = std::chrono::system_clock;
constexpr std::chrono::milliseconds stats_publish_delay{200};
constexpr std::chrono::seconds purge_every{60};

struct engine_registry_state {
  static inline const char* name = "engine_registry";
  const config::settings* settings = nullptr;
  published_state* published = nullptr;
  caf::actor store;
  std::map<std::string, engine_record> engines;  // by container id
  std::map<std::string, std::string> claims;     // claim id → container id ("" until created)
  // Managed containers that are no engine acepool can use (no usable HTTP port): never counted,
  // logged once each while they exist.
  std::map<std::string, std::string> unadoptable;      // container id → name
  std::map<std::string, std::string> reservations;     // relay session being opened → container
  std::map<std::string, wall::time_point> first_seen;  // restored from the database
  std::optional<stream_book> book;
  std::vector<caf::actor> subscribers;
  uint64_t version = 0, streams_version = 0;
  bool stats_publish_pending = false;

  int managed_count() const {
    int n = 0;
    for (const auto& [id, e] : engines)
      if (e.managed() && e.state != engine_state::stopping) ++n;
    return n;
  }

  /// The engine `key` names (full id, name, or unique prefix of ≥ 12 characters).
  engine_record* find(const std::string& key) {
    if (auto it = engines.find(key); it != engines.end()) return &it->second;
    engine_record* match = nullptr;
    for (auto& [id, e] : engines) {
      if (!engine_matches(e, key)) continue;
      if (match != nullptr) return nullptr;  // ambiguous prefix
      match = &e;
    }
    return match;
  }

  void publish_engines() {
    engines_snapshot snap;
    snap.version = ++version;
    for (const auto& [id, e] : engines)
      snap.engines.push_back(e);
    std::sort(snap.engines.begin(), snap.engines.end(),
              [](const engine_record& a, const engine_record& b) {
                return a.port != b.port ? a.port < b.port : a.container_id < b.container_id;
              });
    snap.advertise_host = settings->docker.engine_advertise_host;
    snap.claims = static_cast<int>(claims.size());
    published->engines.publish(std::move(snap));
  }

  void publish_streams() {
    streams_snapshot snap;
    snap.version = ++streams_version;
    snap.active = book->active_by_start();
    snap.ended = book->ended_chunks();
    snap.ended_count = book->size() - book->active_count();
    published->streams.publish(std::move(snap));
  }

  void persist(const engine_record& e) {
    if (store && e.managed()) caf::anon_send(store, store_engine_atom::value, e);
  }
  void persist(const stream_record& s) {
    if (store) caf::anon_send(store, store_stream_atom::value, s);
  }

  /// Keeps the engine's stream list in step with a stream that started or ended.
  void attach(const stream_record& s) {
    auto it = engines.find(s.container_id);
    if (it == engines.end()) return;
    auto& list = it->second.streams;
    if (std::find(list.begin(), list.end(), s.id) == list.end()) list.push_back(s.id);
    it->second.last_stream_usage = wall::now();
  }
  void detach(const stream_record& s) {
    auto it = engines.find(s.container_id);
    if (it == engines.end()) return;
    auto& list = it->second.streams;
    list.erase(std::remove(list.begin(), list.end(), s.id), list.end());
    it->second.last_stream_usage = wall::now();
    if (list.empty()) it->second.idle_since = steady::now();  // idle time counts from now
  }

  /// Records a stream (idempotent by id); the record and whether it is new.
  std::pair<stream_record, bool> start(const stream_started_event& ev, stream_source source) {
    auto id = stream_id_of(ev);
    if (const auto* existing = book->find(id)) return {*existing, false};
    std::vector<const engine_record*> candidates;
    for (const auto& [eid, e] : engines)
      if (e.state != engine_state::stopping) candidates.push_back(&e);
    const auto* engine = match_engine(candidates, ev.container_id, ev.engine_host, ev.engine_port);
    stream_record r;
    r.id = id;
    r.key_type = ev.key_type;
    r.key = ev.key;
    // An event for an unknown engine creates the stream record only, never an engine.
    r.container_id = engine != nullptr ? engine->container_id : ev.container_id.value_or("");
    r.playback_session_id = ev.playback_session_id;
    r.stat_url = ev.stat_url;
    r.command_url = ev.command_url;
    r.is_live = ev.is_live;
    r.started_at = wall::now();
    r.source = source;
    r.labels = ev.labels;
    auto [stored, created] = book->start(std::move(r));
    attach(*stored);
    persist(*stored);
    log::event(spdlog::level::info, "stream.started",
               {{"stream", id},
                {"container", stored->container_id},
                {"source", to_string(source)},
                {"engine_known", engine != nullptr}});
    return {*stored, created};
  }

  /// POST /events/stream_ended: exactly the named stream, never another one.
  stream_end_result end_by_event(const stream_ended_event& ev) {
    if (!ev.stream_id || ev.stream_id->empty()) return {};
    return end(*ev.stream_id, normalize_end_reason(ev.reason.value_or("ended_by_event")));
  }

  stream_end_result end(const std::string& id, const std::string& reason) {
    return end(id, reason, wall::now());
  }

  stream_end_result end(const std::string& id, const std::string& reason, wall::time_point at) {
    stream_end_result r;
    auto ended = book->end(id, reason, at);
    if (ended.stream == nullptr) return r;
    r.stream = *ended.stream;
    r.updated = ended.changed;
    if (ended.changed) {
      detach(*ended.stream);
      persist(*ended.stream);
      log::event(spdlog::level::info, "stream.ended",
                 {{"stream", id}, {"reason", reason}, {"container", ended.stream->container_id}});
    }
    return r;
  }

  nlohmann::json summary() const {
    return {{"engines", engines.size()}, {"managed", managed_count()},
            {"claims", claims.size()},   {"streams_active", book->active_count()},
            {"streams", book->size()},   {"version", version}};
  }

  nlohmann::json full_state() const {
    auto list = nlohmann::json::array();
    for (const auto& [id, e] : engines)
      list.push_back(debug_view(e));
    return {{"engines", list},
            {"unadoptable", unadoptable},
            {"claims", claims},
            {"relay_reservations", reservations},
            {"max_replicas", settings->pool.max_replicas},
            {"streams_active", book->active_count()},
            {"version", version}};
  }
};

using registry_actor = tracked_actor<engine_registry_state>;

void changed(registry_actor* self) {
  self->state.publish_engines();
  self->state.publish_streams();
  for (auto& s : self->state.subscribers)
    self->send(s, registry_changed_atom::value);
}

bool grant_claim(registry_actor* self, const std::string& claim, int extra) {
  auto& s = self->state;
  if (s.claims.count(claim)) return true;
  if (s.managed_count() + static_cast<int>(s.claims.size()) >= s.settings->engine_cap() + extra)
    return false;
  s.claims[claim] = "";
  changed(self);
  return true;
}

caf::behavior engine_registry(registry_actor* self, published_state* published,
                              const config::settings* settings, caf::actor store,
                              store::history restored) {
  auto& st = self->state;
  st.settings = settings;
  st.published = published;
  st.store = std::move(store);
  st.book.emplace(static_cast<size_t>(settings->relay.stats_history_max));
  st.first_seen = std::move(restored.engine_first_seen);
  std::vector<std::string> interrupted;
  for (auto& [record, history] : restored.streams) {
    if (!record.ended && record.source == stream_source::relay) interrupted.push_back(record.id);
    st.book->restore(std::move(record), std::move(history));
  }
  // A relay's clients and session did not survive the restart that ended it: a clean stop ended
  // them itself (see the exit handler below); after a crash they end when that process was last
  // known alive (the store's heartbeat, at most 30 s before the crash), not now.
  auto crashed_at = restored.last_alive.value_or(wall::now());
  for (const auto& id : interrupted) {
    // A stream that started after the last heartbeat ended no earlier than it started.
    const auto* record = st.book->find(id);
    st.end(id, "shutdown", record ? std::max(crashed_at, record->started_at) : crashed_at);
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // A clean stop ends the relay streams at the moment they end (the store is stopped after
    // every other actor, so it writes these).
    auto& s = self->state;
    std::vector<std::string> relayed;
    for (const auto& stream : s.book->active_by_start())
      if (stream->source == stream_source::relay) relayed.push_back(stream->id);
    for (const auto& id : relayed)
      s.end(id, "shutdown");
    self->quit(msg.reason);
  });
  for (const auto& hp : settings->pool.static_engines) {
    engine_record e;
    e.container_id = "static-" + hp.host + "-" + std::to_string(hp.port);
    e.container_name = e.container_id;
    e.host = hp.host;
    e.port = hp.port;
    e.state = engine_state::static_engine;
    e.first_seen = e.last_seen = wall::now();
    // Its age is unknown and it was not started by acepool: no startup grace (no `created`).
    e.idle_since = steady::now();
    st.engines[e.container_id] = e;
  }
  st.publish_engines();
  st.publish_streams();
  self->delayed_send(self, purge_every, tick_atom::value);
  return introspectable(
      self,
      caf::message_handler{
          [self](claim_atom, const std::string& claim) { return grant_claim(self, claim, 0); },
          [self](claim_replacement_atom, const std::string& claim, const std::string& old_id) {
            // The replaced engine still counts while it drains: allow one more, only for it.
            auto* old = self->state.find(old_id);
            return old != nullptr && old->managed() && grant_claim(self, claim, 1);
          },
          [self](unclaim_atom, const std::string& claim) {
            if (self->state.claims.erase(claim) > 0) changed(self);
            return caf::ok_atom::value;
          },
          [self](claim_container_atom, const std::string& claim, const std::string& container) {
            auto it = self->state.claims.find(claim);
            if (it != self->state.claims.end()) it->second = container;
            return caf::ok_atom::value;
          },
          [self](engine_up_atom, engine_record& e, const std::string& claim) {
            auto& s = self->state;
            s.claims.erase(claim);
            auto now_wall = wall::now();
            auto it = s.engines.find(e.container_id);
            if (it != s.engines.end()) {
              e.first_seen = it->second.first_seen;
              e.streams = it->second.streams;
            } else {
              auto seen = s.first_seen.find(e.container_id);
              e.first_seen = seen != s.first_seen.end() ? seen->second : now_wall;
              log::event(spdlog::level::info, "engine.added",
                         {{"container", e.container_name}, {"port", e.port}, {"claim", claim}});
            }
            e.last_seen = now_wall;
            e.changed = steady::now();
            s.persist(e);
            s.engines[e.container_id] = std::move(e);
            changed(self);
            return caf::ok_atom::value;
          },
          [self](engine_gone_atom, const std::string& key) -> std::string {
            auto& s = self->state;
            auto* e = s.find(key);
            if (e == nullptr || !e->managed()) return "";
            auto id = e->container_id;
            // A stopping engine's death is the removal acepool itself asked for.
            bool expected = e->state == engine_state::stopping;
            log::event(spdlog::level::info, "engine.removed", {{"container", e->container_name}});
            // Streams reported by external proxies end with the engine; relay streams fail over.
            for (const auto* stream : s.book->active_on(id))
              if (stream->source == stream_source::event) s.end(stream->id, "engine_removed");
            s.engines.erase(id);
            changed(self);
            return expected ? std::string() : id;
          },
          [self](engine_stopping_atom, const std::string& key) -> std::string {
            auto* e = self->state.find(key);
            if (e == nullptr || !e->managed()) return "";
            if (e->state != engine_state::stopping) {
              e->state = engine_state::stopping;
              changed(self);
            }
            return e->container_id;
          },
          [self](set_engine_state_atom, const std::string& id, engine_state state) {
            auto* e = self->state.find(id);
            if (e == nullptr || e->state == engine_state::stopping || !e->managed()) return;
            if (e->state != state) {
              e->state = state;
              changed(self);
            }
          },
          [self](set_health_atom, const std::string& id, health_status health,
                 int64_t checked_at_ms) {
            auto* e = self->state.find(id);
            if (e == nullptr) return;
            bool transition = e->health != health;
            e->health = health;
            e->last_health_check = wall::time_point(std::chrono::milliseconds(checked_at_ms));
            if (transition)
              changed(self);
            else
              self->state.publish_engines();
          },
          [self](sizing_view_atom) {
            sizing_view v;
            for (const auto& [id, e] : self->state.engines) {
              if (!e.managed()) continue;
              v.engines.push_back(
                  {id, e.state, e.health, static_cast<int>(e.streams.size()), e.idle_since});
            }
            v.provisioning = static_cast<int>(self->state.claims.size());
            return v;
          },
          [self](engine_names_atom) {
            std::vector<std::string> names;
            for (const auto& [id, e] : self->state.engines)
              names.push_back(e.container_name);
            return names;
          },
          [self](sync_engines_atom, const std::vector<docker::container_summary>& running,
                 int64_t listed_at_ns) {
            auto& s = self->state;
            std::vector<std::string> forgotten;
            std::set<std::string> listed;
            for (const auto& c : running)
              listed.insert(c.id);
            const auto listed_at = steady::time_point(std::chrono::nanoseconds(listed_at_ns));
            for (auto it = s.engines.begin(); it != s.engines.end();) {
              const auto& e = it->second;
              if (e.managed() && !listed.count(it->first) && e.changed < listed_at) {
                log::event(spdlog::level::info, "engine.vanished",
                           {{"container", e.container_name}});
                for (const auto* stream : s.book->active_on(it->first))
                  if (stream->source == stream_source::event) s.end(stream->id, "engine_removed");
                forgotten.push_back(it->first);
                it = s.engines.erase(it);
              } else {
                ++it;
              }
            }
            std::set<std::string> provisioning;
            for (const auto& [claim, container] : s.claims)
              provisioning.insert(container);
            auto now_wall = wall::now();
            auto now = steady::now();
            std::map<std::string, std::string> unusable;
            for (const auto& c : running) {
              if (auto it = s.engines.find(c.id); it != s.engines.end()) {
                it->second.last_seen = now_wall;
                continue;
              }
              if (provisioning.count(c.id)) continue;  // its operation registers it when ready
              auto e = engine_from_container(c, *s.settings);
              if (!e) {
                if (!s.unadoptable.count(c.id))
                  log::event(spdlog::level::warn, "engine.unadoptable",
                             {{"container", c.name},
                              {"id", c.id},
                              {"detail",
                               "carries CONTAINER_LABEL but no usable HTTP port in its labels: "
                               "not counted, not used; remove it or give it another label"}});
                unusable[c.id] = c.name;
                continue;
              }
              auto seen = s.first_seen.find(c.id);
              e->first_seen = seen != s.first_seen.end() ? seen->second : now_wall;
              e->last_seen = now_wall;
              // An adopted engine is past any startup grace (no `created`) and idle since now.
              e->created.reset();
              e->idle_since = now;
              e->changed = now;
              // Streams an external proxy reported before the restart still run on it.
              for (const auto* stream : s.book->active_on(c.id))
                e->streams.push_back(stream->id);
              log::event(spdlog::level::info, "engine.adopted",
                         {{"container", e->container_name}, {"port", e->port}});
              s.persist(*e);
              s.engines[c.id] = std::move(*e);
            }
            s.unadoptable = std::move(unusable);
            changed(self);
            return forgotten;
          },
          [self](subscribe_atom, const caf::actor& who) {
            self->state.subscribers.push_back(who);
            return caf::ok_atom::value;
          },
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
          [self](select_engine_atom, const std::string& reservation, const engine_wishes& wishes,
                 const std::string& own_stream) {
            auto& s = self->state;
            s.reservations.erase(reservation);
            std::vector<const engine_record*> candidates;
            for (const auto& [id, e] : s.engines)
              candidates.push_back(&e);
            std::map<std::string, int> reserved;
            for (const auto& [r, container] : s.reservations)
              ++reserved[container];
            // A failing-over stream's own record does not occupy the engine it may return to.
            if (const auto* own = s.book->find(own_stream); own != nullptr && !own->ended)
              --reserved[own->container_id];
            engine_choice choice;
            if (const auto* e = select_engine(candidates, reserved,
                                              s.settings->pool.max_streams_per_engine, wishes)) {
              s.reservations[reservation] = e->container_id;
              choice.engine = *e;
            }
            return choice;
          },
          [self](release_engine_atom, const std::string& reservation) {
            self->state.reservations.erase(reservation);
          },
          [self](stream_session_atom, const std::string& id, const relay_session& session) {
            auto& s = self->state;
            const auto* old = s.book->find(id);
            if (old == nullptr || old->ended) return;
            s.detach(*old);
            const auto* now = s.book->modify(id, [&](stream_record& r) {
              r.container_id = session.container_id;
              r.playback_session_id = session.playback_session_id;
              r.stat_url = session.stat_url;
              r.command_url = session.command_url;
            });
            s.attach(*now);
            s.persist(*now);
            changed(self);
          },
          [self](stream_clients_atom, const std::string& id, int clients) {
            auto& s = self->state;
            if (s.book->modify(id, [clients](stream_record& r) { r.clients = clients; }) != nullptr)
              s.publish_streams();
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
          },
          [self](stream_history_atom, const std::string& id, int64_t since_ms) {
            stream_history_result r;
            std::optional<wall::time_point> since;
            if (since_ms > 0) since = wall::time_point(std::chrono::milliseconds(since_ms));
            auto h = self->state.book->history(id, since);
            if (!h) return r;
            r.found = true;
            r.items = std::move(*h);
            return r;
          },
          [self](purge_streams_atom) {
            auto& s = self->state;
            auto n = s.book->purge_ended(wall::now() - s.settings->service.stream_history_ttl);
            if (n > 0) changed(self);
            return static_cast<int>(n);
          },
          [self](tick_atom) {
            auto& s = self->state;
            if (s.book->purge_ended(wall::now() - s.settings->service.stream_history_ttl) > 0)
              changed(self);
            self->delayed_send(self, purge_every, tick_atom::value);
          },
      });
}

}  // namespace

caf::actor spawn_engine_registry(caf::actor_system& sys, actor_directory& directory,
                                 published_state& published, const config::settings& settings,
                                 caf::actor store, const store::history& restored) {
  auto a = sys.spawn(engine_registry, &published, &settings, std::move(store), restored);
  directory.add(a, "engine_registry", "engine_registry");
  return a;
}

}  // namespace acepool::actors
