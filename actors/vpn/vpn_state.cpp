#include "actors/vpn/vpn_state.hpp"

#include "support/time_format.hpp"

namespace acepool::actors {

std::optional<uint16_t> vpn_snapshot::host_port(uint16_t container_port) const {
  auto it = published.find(container_port);
  if (it == published.end()) return std::nullopt;
  return it->second;
}

bool vpn_connected(const std::string& docker_status, const std::optional<std::string>& health,
                   const std::string& vpn_status) {
  return docker_status == "running" && (!health || *health == "healthy") && vpn_status == "running";
}

namespace {

std::optional<nlohmann::json> json_object(int http_status, const std::string& body) {
  if (http_status != 200) return std::nullopt;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

std::optional<std::string> string_member(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

std::string read_vpn_status(int http_status, const std::string& body) {
  auto j = json_object(http_status, body);
  if (!j) return "unknown";
  return string_member(*j, "status").value_or("unknown");
}

std::optional<std::optional<uint16_t>> read_forwarded_port(int http_status,
                                                           const std::string& body) {
  auto j = json_object(http_status, body);
  if (!j) return std::nullopt;
  std::optional<uint16_t> none;
  auto it = j->find("port");
  if (it == j->end() || !it->is_number_integer()) return none;
  if (it->is_number_unsigned() && it->get<uint64_t>() > 65535) return none;
  auto p = it->get<int64_t>();
  if (p <= 0 || p > 65535) return none;
  return std::optional<uint16_t>(static_cast<uint16_t>(p));
}

std::optional<public_ip_answer> read_public_ip(int http_status, const std::string& body) {
  auto j = json_object(http_status, body);
  if (!j) return std::nullopt;
  return public_ip_answer{string_member(*j, "public_ip"), string_member(*j, "country")};
}

std::map<uint16_t, uint16_t> read_published_tcp_ports(const docker::port_map& bindings) {
  std::map<uint16_t, uint16_t> out;
  for (const auto& [key, list] : bindings) {
    auto slash = key.find('/');
    if (list.empty() || slash == std::string::npos || key.substr(slash) != "/tcp") continue;
    auto digits = key.substr(0, slash);
    if (digits.empty() || digits.size() > 5 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      continue;
    auto port = std::stoul(digits);  // at most 5 digits: cannot throw
    if (port == 0 || port > 65535) continue;
    out[static_cast<uint16_t>(port)] = list.front().host_port;
  }
  return out;
}

}  // namespace acepool::actors
