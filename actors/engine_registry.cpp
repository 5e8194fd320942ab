// engine_registry: owns the engines (managed and static) and the capacity claims of provisioning
// operations. MAX_REPLICAS is enforced here, by one actor, for every path. Every change publishes
// the /engines snapshot (with a new ETag) and tells subscribers (the pool manager).
#include "actors/engine_registry.hpp"

#include <algorithm>
#include <map>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/actor_directory.hpp"
#include "actors/introspection.hpp"
#include "actors/messages.hpp"
#include "actors/published_state.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/logging.hpp"

namespace acepool::actors {

namespace {

struct engine_registry_state {
  static inline const char* name = "engine_registry";
  const config::settings* settings = nullptr;
  published_state* published = nullptr;
  std::map<std::string, engine_record> engines;  // by container id
  std::map<std::string, std::string> claims;     // claim id → container id ("" until created)
  std::vector<caf::actor> subscribers;
  uint64_t version = 0;

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

  void publish() {
    engines_snapshot snap;
    snap.version = ++version;
    for (const auto& [id, e] : engines)
      snap.engines.push_back(e);
    std::sort(snap.engines.begin(), snap.engines.end(),
              [](const engine_record& a, const engine_record& b) {
                return a.port != b.port ? a.port < b.port : a.container_id < b.container_id;
              });
    auto body = nlohmann::json::array();
    for (const auto& e : snap.engines)
      body.push_back(engine_json(e, settings->docker.engine_advertise_host));
    snap.body = body.dump();
    snap.claims = static_cast<int>(claims.size());
    published->engines.publish(std::move(snap));
  }

  nlohmann::json summary() const {
    return {{"engines", engines.size()},
            {"managed", managed_count()},
            {"claims", claims.size()},
            {"version", version}};
  }

  nlohmann::json full_state() const {
    auto list = nlohmann::json::array();
    for (const auto& [id, e] : engines) {
      auto j = engine_json(e, std::nullopt);
      j["container_http_port"] = e.container_http_port;
      j["container_https_port"] = e.container_https_port;
      list.push_back(std::move(j));
    }
    return {{"engines", list},
            {"claims", claims},
            {"max_replicas", settings->pool.max_replicas},
            {"version", version}};
  }
};

using registry_actor = tracked_actor<engine_registry_state>;

void changed(registry_actor* self) {
  self->state.publish();
  for (auto& s : self->state.subscribers)
    self->send(s, registry_changed_atom::value);
}

caf::behavior engine_registry(registry_actor* self, published_state* published,
                              const config::settings* settings) {
  auto& st = self->state;
  st.settings = settings;
  st.published = published;
  for (const auto& hp : settings->pool.static_engines) {
    engine_record e;
    e.container_id = "static-" + hp.host + "-" + std::to_string(hp.port);
    e.container_name = e.container_id;
    e.host = hp.host;
    e.port = hp.port;
    e.state = engine_state::static_engine;
    e.first_seen = e.last_seen = std::chrono::system_clock::now();
    e.created = e.idle_since = std::chrono::steady_clock::now();
    st.engines[e.container_id] = e;
  }
  st.publish();
  return introspectable(
      self,
      caf::message_handler{
          [self](claim_atom, const std::string& claim) -> bool {
            auto& s = self->state;
            if (s.claims.count(claim)) return true;
            if (s.managed_count() + static_cast<int>(s.claims.size()) >=
                s.settings->pool.max_replicas)
              return false;
            s.claims[claim] = "";
            changed(self);
            return true;
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
            auto now_wall = std::chrono::system_clock::now();
            auto it = s.engines.find(e.container_id);
            if (it != s.engines.end()) {
              e.first_seen = it->second.first_seen;
              e.streams = it->second.streams;
            } else {
              e.first_seen = now_wall;
              log::event(spdlog::level::info, "engine.added",
                         {{"container", e.container_name}, {"port", e.port}, {"claim", claim}});
            }
            e.last_seen = now_wall;
            e.changed = std::chrono::steady_clock::now();
            s.engines[e.container_id] = std::move(e);
            changed(self);
            return caf::ok_atom::value;
          },
          [self](engine_gone_atom, const std::string& key) -> std::string {
            auto* e = self->state.find(key);
            if (e == nullptr || !e->managed()) return "";
            auto id = e->container_id;
            // A stopping engine's death is the removal acepool itself asked for.
            bool expected = e->state == engine_state::stopping;
            log::event(spdlog::level::info, "engine.removed", {{"container", e->container_name}});
            self->state.engines.erase(id);
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
            std::map<std::string, const docker::container_summary*> by_id;
            for (const auto& c : running)
              by_id[c.id] = &c;
            const auto listed_at =
                std::chrono::steady_clock::time_point(std::chrono::nanoseconds(listed_at_ns));
            for (auto it = s.engines.begin(); it != s.engines.end();) {
              if (it->second.managed() && !by_id.count(it->first) &&
                  it->second.changed < listed_at) {
                log::event(spdlog::level::info, "engine.vanished",
                           {{"container", it->second.container_name}});
                forgotten.push_back(it->first);
                it = s.engines.erase(it);
              } else {
                ++it;
              }
            }
            std::set<std::string> provisioning;
            for (const auto& [claim, container] : s.claims)
              provisioning.insert(container);
            auto now_wall = std::chrono::system_clock::now();
            auto now = std::chrono::steady_clock::now();
            for (const auto& c : running) {
              if (auto it = s.engines.find(c.id); it != s.engines.end()) {
                it->second.last_seen = now_wall;
                continue;
              }
              if (provisioning.count(c.id)) continue;  // its operation registers it when ready
              auto e = engine_from_container(c, *s.settings);
              if (!e) {
                log::event(
                    spdlog::level::warn, "engine.unadoptable",
                    {{"container", c.name}, {"detail", "no usable HTTP port in its labels"}});
                continue;
              }
              e->first_seen = e->last_seen = now_wall;
              // An adopted engine is past any startup grace and idle since now.
              e->created = now - std::chrono::hours(1);
              e->idle_since = now;
              e->changed = now;
              log::event(spdlog::level::info, "engine.adopted",
                         {{"container", e->container_name}, {"port", e->port}});
              s.engines[c.id] = std::move(*e);
            }
            changed(self);
            return forgotten;
          },
          [self](subscribe_atom, const caf::actor& who) {
            self->state.subscribers.push_back(who);
            return caf::ok_atom::value;
          },
      });
}

}  // namespace

caf::actor spawn_engine_registry(caf::actor_system& sys, actor_directory& directory,
                                 published_state& published, const config::settings& settings) {
  auto a = sys.spawn(engine_registry, &published, &settings);
  directory.add(a, "engine_registry", "engine_registry");
  return a;
}

}  // namespace acepool::actors
