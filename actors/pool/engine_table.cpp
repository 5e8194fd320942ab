#include "actors/pool/engine_table.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "config/settings.hpp"
#include "docker/swarm_json.hpp"

namespace acepool::actors {

void engine_table::remember_first_seen(std::map<std::string, wall::time_point> seen) {
  first_seen_ = std::move(seen);
}

void engine_table::add_static(const std::string& host, uint16_t port, wall::time_point now_wall,
                              steady::time_point now) {
  engine_record e;
  e.container_id = "static-" + host + "-" + std::to_string(port);
  e.container_name = e.container_id;
  e.host = host;
  e.port = port;
  e.state = engine_state::static_engine;
  e.first_seen = e.last_seen = now_wall;
  // Its age is unknown and acepool did not start it: no startup grace (no `created`).
  e.idle_since = now;
  engines_[e.container_id] = std::move(e);
}

engine_record* engine_table::find(const std::string& key) {
  return const_cast<engine_record*>(std::as_const(*this).find(key));
}

const engine_record* engine_table::find(const std::string& key) const {
  if (auto it = engines_.find(key); it != engines_.end()) return &it->second;
  const engine_record* match = nullptr;
  for (const auto& [id, e] : engines_) {
    if (!engine_matches(e, key)) continue;
    if (match != nullptr) return nullptr;  // an ambiguous prefix names nothing
    match = &e;
  }
  return match;
}

int engine_table::managed_count() const {
  return static_cast<int>(std::count_if(engines_.begin(), engines_.end(), [](const auto& entry) {
    return entry.second.managed() && entry.second.state != engine_state::stopping;
  }));
}

bool engine_table::claim(const std::string& claim, int extra) {
  if (claims_.count(claim)) return true;
  if (managed_count() + static_cast<int>(claims_.size()) >= cap_ + extra) return false;
  claims_[claim] = "";
  return true;
}

// Swappable on purpose: a claim id is "op-<n>": swapped, no engine matches and nothing is granted
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
bool engine_table::claim_replacement(const std::string& claim, const std::string& old_key) {
  const auto* old = find(old_key);
  return old != nullptr && old->managed() && this->claim(claim, 1);
}

bool engine_table::unclaim(const std::string& claim) {
  return claims_.erase(claim) > 0;
}

// Swappable on purpose: a claim id is "op-<n>": swapped, no claim matches and nothing is bound
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
void engine_table::bind_claim(const std::string& claim, const std::string& container_id) {
  if (auto it = claims_.find(claim); it != claims_.end()) it->second = container_id;
}

bool engine_table::engine_up(engine_record e, const std::string& claim, wall::time_point now_wall,
                             steady::time_point now) {
  claims_.erase(claim);
  auto it = engines_.find(e.container_id);
  const bool added = it == engines_.end();
  if (!added) {
    e.first_seen = it->second.first_seen;
  } else {
    auto seen = first_seen_.find(e.container_id);
    e.first_seen = seen != first_seen_.end() ? seen->second : now_wall;
  }
  e.last_seen = now_wall;
  e.changed = now;
  auto id = e.container_id;
  engines_[id] = std::move(e);
  return added;
}

std::optional<engine_table::removal> engine_table::remove(const std::string& key) {
  auto* e = find(key);
  if (e == nullptr || !e->managed()) return std::nullopt;
  removal out{*e, e->state == engine_state::stopping};
  engines_.erase(out.engine.container_id);
  return out;
}

std::optional<std::pair<std::string, bool>> engine_table::mark_stopping(const std::string& key) {
  auto* e = find(key);
  if (e == nullptr || !e->managed()) return std::nullopt;
  const bool changed = e->state != engine_state::stopping;
  e->state = engine_state::stopping;
  return std::make_pair(e->container_id, changed);
}

bool engine_table::set_state(const std::string& key, engine_state state) {
  auto* e = find(key);
  if (e == nullptr || e->state == engine_state::stopping || !e->managed() || e->state == state)
    return false;
  e->state = state;
  return true;
}

std::optional<bool> engine_table::set_health(const std::string& key, health_status health,
                                             wall::time_point checked_at) {
  auto* e = find(key);
  if (e == nullptr) return std::nullopt;
  const bool transition = e->health != health;
  e->health = health;
  e->last_health_check = checked_at;
  return transition;
}

sizing_view engine_table::sizing() const {
  return sizing(streams_->active_by_engine());
}

sizing_view engine_table::sizing(const stream_book::streams_by_engine& streams) const {
  sizing_view v;
  for (const auto& [id, e] : engines_) {
    if (!e.managed()) continue;
    auto on = streams.find(id);
    int count = on != streams.end() ? static_cast<int>(on->second.size()) : 0;
    v.engines.push_back({id, e.state, e.health, count, e.idle_since});
  }
  v.provisioning = static_cast<int>(claims_.size());
  return v;
}

std::vector<std::string> engine_table::names() const {
  std::vector<std::string> out;
  for (const auto& [id, e] : engines_)
    out.push_back(e.container_name);
  return out;
}

engine_table::sync_result engine_table::sync(const std::vector<docker::container_summary>& running,
                                             steady::time_point listed_at,
                                             const config::settings& settings,
                                             wall::time_point now_wall, steady::time_point now) {
  sync_result out;
  std::set<std::string> listed;
  for (const auto& c : running)
    listed.insert(c.id);
  for (auto it = engines_.begin(); it != engines_.end();) {
    // An engine that changed after the listing was taken (e.g. provisioned meanwhile) stays.
    if (it->second.managed() && !listed.count(it->first) && it->second.changed < listed_at) {
      out.vanished.push_back(std::move(it->second));
      it = engines_.erase(it);
    } else {
      ++it;
    }
  }
  std::set<std::string> provisioning;
  for (const auto& [claim, container] : claims_)
    provisioning.insert(container);
  std::map<std::string, std::string> unusable;
  for (const auto& c : running) {
    if (auto it = engines_.find(c.id); it != engines_.end()) {
      it->second.last_seen = now_wall;
      it->second.restarting = c.state == "restarting";
      follow_moved_task(it->second, c, settings, now);
      continue;
    }
    if (provisioning.count(c.id)) continue;  // its operation registers it when ready
    auto e = engine_from_container(c, settings);
    if (!e) {
      if (!unadoptable_.count(c.id)) out.newly_unadoptable[c.id] = c.name;
      unusable[c.id] = c.name;
      continue;
    }
    auto seen = first_seen_.find(c.id);
    e->first_seen = seen != first_seen_.end() ? seen->second : now_wall;
    e->last_seen = now_wall;
    e->created.reset();  // past any startup grace
    e->idle_since = now;
    e->changed = now;
    // One that never runs again turns unhealthy and is replaced like any engine.
    e->restarting = c.state == "restarting";
    out.adopted.push_back(c.id);
    engines_[c.id] = std::move(*e);
  }
  unadoptable_ = std::move(unusable);
  return out;
}

void engine_table::streams_changed_on(const std::string& container_id, wall::time_point at,
                                      steady::time_point now) {
  auto it = engines_.find(container_id);
  if (it == engines_.end()) return;
  it->second.last_stream_usage = at;
  if (streams_->active_on(container_id).empty()) it->second.idle_since = now;
}

void engine_table::follow_moved_task(engine_record& e, const docker::container_summary& c,
                                     const config::settings& settings, steady::time_point now) {
  auto label = [&](const char* key) {
    auto it = c.labels.find(key);
    return it == c.labels.end() ? std::string() : it->second;
  };
  auto node = label(docker::label_swarm_node), addr = label(docker::label_swarm_node_addr);
  if (node.empty() || !e.managed()) return;
  // Nodes may share an address (several on one host): the node id says the task moved.
  bool moved =
      node != e.labels[docker::label_swarm_node] || addr != e.labels[docker::label_swarm_node_addr];
  if (!moved) return;
  e.labels[docker::label_swarm_node] = node;
  e.labels[docker::label_swarm_node_addr] = addr;
  // It answers on its new node now, unless acepool reaches engines another way (a node
  // without a reported address: ENGINE_HOST_ADDRESS, as at adoption).
  if (!e.vpn_container && settings.docker.access != config::engine_access::network)
    e.host = addr.empty() ? settings.docker.engine_host_address : addr;
  e.changed = now;
}

std::optional<engine_record> engine_table::reserve(
    const std::string& reservation, const engine_wishes& wishes, int max_streams,
    const std::optional<std::string>& own_container) {
  reservations_.erase(reservation);
  std::vector<const engine_record*> candidates;
  for (const auto& [id, e] : engines_)
    candidates.push_back(&e);
  // An engine's load: its streams (from the stream book) plus the sessions being opened on it.
  std::map<std::string, int> load;
  for (const auto& [container, ids] : streams_->active_by_engine())
    load[container] = static_cast<int>(ids.size());
  for (const auto& [r, container] : reservations_)
    ++load[container];
  if (own_container) --load[*own_container];
  const auto* e = select_engine(candidates, load, max_streams, wishes);
  if (e == nullptr) return std::nullopt;
  reservations_[reservation] = e->container_id;
  return *e;
}

}  // namespace acepool::actors
