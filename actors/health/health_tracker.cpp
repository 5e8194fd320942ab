#include "actors/health/health_tracker.hpp"

#include <algorithm>

namespace acepool::actors {

health_tracker::outcome health_tracker::record(const std::string& id, bool ok, health_status known,
                                               std::optional<time_point> created, time_point now) {
  auto [it, inserted] = engines_.try_emplace(id);
  auto& e = it->second;
  if (inserted) e.status = known;
  auto before = e.status;
  if (ok) {
    e.failures = 0;
    e.status = health_status::healthy;
    e.unhealthy_since.reset();
  } else if (!created || now - *created >= limits_.startup_grace) {
    ++e.failures;
    if (e.failures >= limits_.failure_threshold && e.status != health_status::unhealthy) {
      e.status = health_status::unhealthy;
      e.unhealthy_since = now;
    }
  }
  return {e.status, e.status != before};
}

void health_tracker::retain(const std::set<std::string>& present) {
  for (auto it = engines_.begin(); it != engines_.end();) {
    if (present.count(it->first))
      ++it;
    else
      it = engines_.erase(it);
  }
}

std::vector<std::string> health_tracker::due(const std::set<std::string>& replaceable,
                                             time_point now) const {
  std::vector<std::pair<time_point, std::string>> found;
  for (const auto& [id, e] : engines_) {
    if (!replaceable.count(id) || e.status != health_status::unhealthy || !e.unhealthy_since)
      continue;
    if (now - *e.unhealthy_since >= limits_.unhealthy_grace)
      found.emplace_back(*e.unhealthy_since, id);
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> ids;
  ids.reserve(found.size());
  for (auto& [since, id] : found)
    ids.push_back(std::move(id));
  return ids;
}

bool health_tracker::may_start_replacement(time_point now) const {
  return !last_replacement_ || now - *last_replacement_ >= limits_.replacement_cooldown;
}

health_status health_tracker::status(const std::string& id) const {
  auto it = engines_.find(id);
  return it == engines_.end() ? health_status::unknown : it->second.status;
}

int health_tracker::consecutive_failures(const std::string& id) const {
  auto it = engines_.find(id);
  return it == engines_.end() ? 0 : it->second.failures;
}

}  // namespace acepool::actors
