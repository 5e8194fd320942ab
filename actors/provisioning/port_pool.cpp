#include "actors/provisioning/port_pool.hpp"

namespace acepool::actors {

port_pool::port_pool(config::port_range range, std::chrono::milliseconds quarantine)
    : range_(range), quarantine_(quarantine), cursor_(range.low) {}

bool port_pool::usable(uint16_t port, clock::time_point now) {
  auto it = used_.find(port);
  if (it == used_.end()) return true;
  if (it->second.state == port_state::quarantined && now >= it->second.quarantined_until) {
    used_.erase(it);
    return true;
  }
  return false;
}

std::optional<uint16_t> port_pool::reserve(const std::string& owner, clock::time_point now,
                                           const os_probe& probe) {
  const size_t n = range_.size();
  for (size_t i = 0; i < n; ++i) {
    uint16_t port = cursor_;
    cursor_ = cursor_ == range_.high ? range_.low : static_cast<uint16_t>(cursor_ + 1);
    if (!usable(port, now)) continue;
    if (probe && !probe(port)) {
      used_[port] = {port_state::quarantined, "", now + quarantine_, now};
      continue;
    }
    used_[port] = {port_state::reserved, owner, {}, now};
    return port;
  }
  return std::nullopt;
}

bool port_pool::reserve_port(uint16_t port, const std::string& owner, clock::time_point now,
                             const os_probe& probe) {
  if (!range_.contains(port) || !usable(port, now)) return false;
  if (probe && !probe(port)) {
    used_[port] = {port_state::quarantined, "", now + quarantine_, now};
    return false;
  }
  used_[port] = {port_state::reserved, owner, {}, now};
  return true;
}

// Swappable on purpose: owner and container are both recorded and shown; tests pin the order
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
bool port_pool::bind(uint16_t port, const std::string& reservation_owner,
                     const std::string& container, clock::time_point now) {
  auto it = used_.find(port);
  if (it == used_.end() || it->second.owner != reservation_owner) return false;
  if (it->second.state != port_state::reserved && it->second.state != port_state::bound)
    return false;
  it->second = {port_state::bound, container, {}, now};
  return true;
}

bool port_pool::release(uint16_t port, const std::string& owner) {
  auto it = used_.find(port);
  if (it == used_.end() || it->second.owner != owner) return false;
  if (it->second.state == port_state::quarantined) return false;
  used_.erase(it);
  return true;
}

std::vector<uint16_t> port_pool::release_owner(const std::string& owner) {
  std::vector<uint16_t> out;
  for (auto it = used_.begin(); it != used_.end();) {
    if (it->second.owner == owner && it->second.state != port_state::quarantined) {
      out.push_back(it->first);
      it = used_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

void port_pool::quarantine(uint16_t port, const std::string& owner, clock::time_point now) {
  if (!range_.contains(port)) return;
  auto it = used_.find(port);
  if (it != used_.end() && it->second.owner != owner) return;
  used_[port] = {port_state::quarantined, "", now + quarantine_, now};
}

void port_pool::rebuild(const std::map<uint16_t, std::string>& bound, clock::time_point listed_at,
                        clock::time_point now) {
  for (auto it = used_.begin(); it != used_.end();) {
    auto& e = it->second;
    bool keep = e.state == port_state::reserved || e.changed >= listed_at ||
                (e.state == port_state::quarantined && now < e.quarantined_until);
    it = keep ? std::next(it) : used_.erase(it);
  }
  for (const auto& [port, container] : bound) {
    if (!range_.contains(port)) continue;
    auto it = used_.find(port);
    if (it != used_.end() && it->second.changed >= listed_at) continue;  // newer than the list
    used_[port] = {port_state::bound, container, {}, now};
  }
}

port_pool::port_state port_pool::state_of(uint16_t port, clock::time_point now) const {
  auto it = used_.find(port);
  if (it == used_.end()) return port_state::free;
  if (it->second.state == port_state::quarantined && now >= it->second.quarantined_until)
    return port_state::free;
  return it->second.state;
}

std::optional<std::string> port_pool::owner_of(uint16_t port) const {
  auto it = used_.find(port);
  if (it == used_.end() || it->second.state == port_state::quarantined) return std::nullopt;
  return it->second.owner;
}

std::vector<uint16_t> port_pool::ports_of(const std::string& owner) const {
  std::vector<uint16_t> out;
  for (const auto& [port, e] : used_)
    if (e.owner == owner && e.state != port_state::quarantined) out.push_back(port);
  return out;
}

size_t port_pool::count(port_state s, clock::time_point now) const {
  size_t used = 0, matching = 0;
  for (const auto& [port, e] : used_) {
    auto st = state_of(port, now);
    if (st == port_state::free) continue;
    ++used;
    if (st == s) ++matching;
  }
  return s == port_state::free ? range_.size() - used : matching;
}

nlohmann::json port_pool::to_json(clock::time_point now) const {
  nlohmann::json reserved = nlohmann::json::object(), bound = nlohmann::json::object(),
                 quarantined = nlohmann::json::array();
  for (const auto& [port, e] : used_) {
    switch (state_of(port, now)) {
      case port_state::reserved:
        reserved[std::to_string(port)] = e.owner;
        break;
      case port_state::bound:
        bound[std::to_string(port)] = e.owner;
        break;
      case port_state::quarantined:
        quarantined.push_back(port);
        break;
      case port_state::free:
        break;
    }
  }
  return {{"range", std::to_string(range_.low) + "-" + std::to_string(range_.high)},
          {"cursor", cursor_},
          {"free", count(port_state::free, now)},
          {"reserved", reserved},
          {"bound", bound},
          {"quarantined", quarantined}};
}

}  // namespace acepool::actors
