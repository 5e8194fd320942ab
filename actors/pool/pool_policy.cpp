#include "actors/pool/pool_policy.hpp"

#include <algorithm>

namespace acepool::actors {

namespace {

bool idle(const sizing_engine& e) {
  return e.streams == 0;
}

bool counts_as_free(const sizing_engine& e) {
  return idle(e) && e.health != health_status::unhealthy &&
         (e.state == engine_state::running || e.state == engine_state::starting);
}

}  // namespace

pool_counts count(const sizing_view& v) {
  pool_counts c;
  for (const auto& e : v.engines) {
    if (e.state == engine_state::stopping || e.state == engine_state::static_engine) continue;
    ++c.total;
    if (e.streams > 0) ++c.busy;
    if (counts_as_free(e)) ++c.free;
  }
  c.total += v.provisioning;
  c.free += v.provisioning;
  return c;
}

int pool_policy::effective_target(int requested, const sizing_view& v) const {
  auto c = count(v);
  int target = std::max({limits_.min_replicas, requested, c.busy + limits_.min_free_replicas});
  return std::min(target, limits_.max_replicas);
}

template <class Wanted>
std::vector<std::string> pool_policy::removable(const sizing_view& v,
                                                std::optional<int> scale_target,
                                                Wanted wanted) const {
  auto c = count(v);
  const int keep_total =
      std::max(limits_.min_replicas, scale_target ? effective_target(*scale_target, v) : 0);
  std::vector<const sizing_engine*> candidates;
  for (const auto& e : v.engines)
    if (idle(e) && e.state == engine_state::running) candidates.push_back(&e);
  // Unhealthy engines go first, then the longest idle.
  std::sort(
      candidates.begin(), candidates.end(), [](const sizing_engine* a, const sizing_engine* b) {
        bool ua = a->health == health_status::unhealthy, ub = b->health == health_status::unhealthy;
        if (ua != ub) return ua;
        return a->idle_since < b->idle_since;
      });
  std::vector<std::string> out;
  int total = c.total, free = c.free;
  for (const auto* e : candidates) {
    if (total - 1 < keep_total) break;
    bool is_free = counts_as_free(*e);
    if (is_free && free - 1 < limits_.min_free_replicas) continue;
    if (!wanted(*e, total)) continue;
    out.push_back(e->id);
    --total;
    if (is_free) --free;
  }
  return out;
}

sizing_decision pool_policy::reconcile(const sizing_view& v, std::optional<int> scale_target,
                                       time_point now) const {
  sizing_decision d;
  auto c = count(v);
  const int target = scale_target ? effective_target(*scale_target, v) : 0;
  const int floor_total = std::max(limits_.min_replicas, target);
  int wanted = std::max({0, floor_total - c.total, limits_.min_free_replicas - c.free});
  d.provision = std::max(0, std::min(wanted, limits_.max_replicas - c.total));
  if (d.provision > 0) return d;
  d.remove = removable(v, scale_target, [&](const sizing_engine& e, int total) {
    if (scale_target && total > target) return true;  // draining to the /scale target
    return limits_.auto_delete && now - e.idle_since >= limits_.grace;
  });
  return d;
}

std::vector<std::string> pool_policy::gc(const sizing_view& v, std::optional<int> scale_target,
                                         time_point now) const {
  return removable(v, scale_target, [&](const sizing_engine& e, int) {
    return now - e.idle_since >= limits_.idle_ttl;
  });
}

}  // namespace acepool::actors
