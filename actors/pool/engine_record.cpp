#include "actors/pool/engine_record.hpp"

#include <cstdlib>

#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "docker/swarm_json.hpp"

namespace acepool::actors {

namespace {

std::optional<uint16_t> label_port(const std::map<std::string, std::string>& labels,
                                   const char* key) {
  auto it = labels.find(key);
  if (it == labels.end()) return std::nullopt;
  long v = std::strtol(it->second.c_str(), nullptr, 10);
  if (v < 1 || v > 65535) return std::nullopt;
  return static_cast<uint16_t>(v);
}

}  // namespace

std::optional<engine_record> engine_from_container(const docker::container_summary& c,
                                                   const config::settings& s) {
  engine_record e;
  e.container_id = c.id;
  e.container_name = c.name;
  e.image = c.image;
  e.labels = c.labels;
  auto container_http = label_port(c.labels, docker::label_http_port);
  auto host_http = label_port(c.labels, docker::label_host_http_port);
  // Older engines (the previous orchestrator's) may lack the host label: use the published port.
  if (!host_http && container_http) {
    auto it = c.ports.find(std::to_string(*container_http) + "/tcp");
    if (it != c.ports.end() && !it->second.empty()) host_http = it->second.front().host_port;
  }
  auto vpn = c.labels.find(docker::label_vpn_container);
  if (vpn != c.labels.end()) e.vpn_container = vpn->second;
  if (!container_http) return std::nullopt;
  e.container_http_port = *container_http;
  e.container_https_port = label_port(c.labels, docker::label_https_port).value_or(0);
  e.host_https_port = label_port(c.labels, docker::label_host_https_port);
  if (e.vpn_container) {
    e.host = s.docker.engine_host_address;
    e.port = host_http.value_or(*container_http);
  } else {
    if (!host_http) return std::nullopt;
    // Swarm mode: the engine answers on the node its task runs on.
    auto node = c.labels.find(docker::label_swarm_node_addr);
    e.host = node != c.labels.end() && !node->second.empty() ? node->second
                                                             : s.docker.engine_host_address;
    e.port = *host_http;
  }
  auto fwd = c.labels.find(docker::label_forwarded);
  e.forwarded = fwd != c.labels.end() && fwd->second == "true";
  if (auto fp = label_port(c.labels, docker::label_forwarded_port)) e.forwarded_port = *fp;
  e.state = engine_state::running;
  return e;
}

bool engine_matches(const engine_record& e, const std::string& key) {
  if (key.empty()) return false;
  if (key == e.container_id || key == e.container_name) return true;
  return key.size() >= 12 && e.container_id.compare(0, key.size(), key) == 0;
}

}  // namespace acepool::actors
