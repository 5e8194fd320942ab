#include "actors/streams/engine_selection.hpp"

#include <algorithm>
#include <tuple>

#include "docker/swarm_json.hpp"

namespace acepool::actors {

const engine_record* select_engine(const std::vector<const engine_record*>& engines,
                                   const std::map<std::string, int>& load_of, int max_streams,
                                   const engine_wishes& wishes) {
  auto listed = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  auto load = [&](const engine_record& e) {
    auto it = load_of.find(e.container_id);
    return it != load_of.end() ? it->second : 0;
  };
  auto qualifies = [&](const engine_record& e) {
    return (e.state == engine_state::running || e.state == engine_state::static_engine) &&
           e.health != health_status::unhealthy && !e.restarting && load(e) < max_streams &&
           !listed(wishes.excluded, e.container_id);
  };
  auto local = [&](const engine_record& e) {
    if (wishes.local_node.empty()) return true;
    auto it = e.labels.find(docker::label_swarm_node);
    return it != e.labels.end() && it->second == wishes.local_node;
  };
  // Never used sorts first among equals: it is the least recently used.
  auto rank = [&](const engine_record& e) {
    auto used = e.last_stream_usage.value_or(std::chrono::system_clock::time_point{});
    return std::make_tuple(listed(wishes.avoided, e.container_id) ? 1 : 0,
                           e.health == health_status::healthy ? 0 : 1, load(e), local(e) ? 0 : 1,
                           e.forwarded ? 0 : 1, used, e.container_id);
  };
  const engine_record* best = nullptr;
  for (const auto* e : engines) {
    if (!qualifies(*e)) continue;
    if (!wishes.preferred.empty() && e->container_id == wishes.preferred) return e;
    if (best == nullptr || rank(*e) < rank(*best)) best = e;
  }
  return best;
}

}  // namespace acepool::actors
