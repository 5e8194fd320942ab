#include "docker/engine_spec.hpp"

#include "docker/swarm_json.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace acepool::docker {

namespace {

const std::set<std::string> reserved_env{"HTTP_PORT",          "HTTPS_PORT",  "BIND_ALL",
                                         "INTERNAL_BUFFERING", "CACHE_LIMIT", "P2P_PORT"};

void publish(container_spec& spec, const std::string& address, uint16_t container_port,
             uint16_t host_port) {
  spec.ports[std::to_string(container_port) + "/tcp"] = {{address, host_port}};
}

}  // namespace

container_spec build_engine_spec(const config::settings& s, const engine_spec_input& in) {
  container_spec spec;
  spec.name = in.name;
  spec.image = in.image;
  spec.restart_policy = "no";
  spec.memory_bytes = s.docker.engine_memory_limit;
  spec.nano_cpus = s.docker.engine_nano_cpus;
  // Caller labels first: acepool's own keys are written after them and always win.
  spec.labels = in.caller_labels;
  spec.labels[s.docker.container_label.first] = s.docker.container_label.second;
  spec.labels[label_kind] = "engine";
  spec.labels[label_http_port] = std::to_string(in.ports.container_http);
  spec.labels[label_https_port] = std::to_string(in.ports.container_https);
  if (in.ports.host_http) spec.labels[label_host_http_port] = std::to_string(*in.ports.host_http);
  if (in.ports.host_https)
    spec.labels[label_host_https_port] = std::to_string(*in.ports.host_https);
  if (in.p2p_port) {
    spec.labels[label_forwarded] = "true";
    spec.labels[label_forwarded_port] = std::to_string(*in.p2p_port);
  }
  if (in.vpn_container) spec.labels[label_vpn_container] = *in.vpn_container;

  const auto http = std::to_string(in.ports.container_http);
  const auto https = std::to_string(in.ports.container_https);
  spec.env = {"HTTP_PORT=" + http, "HTTPS_PORT=" + https, "BIND_ALL=true", "INTERNAL_BUFFERING=60",
              "CACHE_LIMIT=1"};
  if (!in.caller_env.count("CONF"))
    spec.env.push_back("CONF=--http-port=" + http + "\n--https-port=" + https + "\n--bind-all");
  if (in.p2p_port) spec.env.push_back("P2P_PORT=" + std::to_string(*in.p2p_port));
  for (const auto& [k, v] : s.docker.engine_extra_env)
    spec.env.push_back(k + "=" + v);
  for (const auto& [k, v] : in.caller_env)
    spec.env.push_back(k + "=" + v);

  if (in.vpn_container) {
    spec.network_mode = "container:" + *in.vpn_container;  // Gluetun publishes the ports
  } else {
    if (s.docker.network) spec.network_mode = *s.docker.network;
    if (in.ports.host_http)
      publish(spec, s.docker.engine_publish_address, in.ports.container_http, *in.ports.host_http);
    if (in.ports.host_https)
      publish(spec, s.docker.engine_publish_address, in.ports.container_https,
              *in.ports.host_https);
  }
  return spec;
}

container_spec build_generic_spec(
    const config::settings& s, const std::string& name, const std::string& image,
    // Swappable on purpose: labels and env are checked for reserved keys separately
    // NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
    const std::map<std::string, std::string>& env, const std::map<std::string, std::string>& labels,
    const std::map<std::string, uint16_t>& ports) {
  container_spec spec;
  spec.name = name;
  spec.image = image;
  spec.restart_policy = "no";
  spec.labels = labels;
  spec.labels[s.docker.container_label.first] = s.docker.container_label.second;
  spec.labels[label_kind] = "generic";
  for (const auto& [k, v] : env)
    spec.env.push_back(k + "=" + v);
  if (s.docker.network) spec.network_mode = *s.docker.network;
  for (const auto& [container_port, host_port] : ports)
    spec.ports[container_port] = {{s.docker.engine_publish_address, host_port}};
  return spec;
}

std::optional<std::string> check_caller_keys(
    const config::settings& s,
    // Swappable on purpose: labels and env are checked for reserved keys separately
    // NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
    const std::map<std::string, std::string>& labels,
    const std::map<std::string, std::string>& env) {
  const std::set<std::string> reserved_labels{s.docker.container_label.first,
                                              label_http_port,
                                              label_https_port,
                                              label_host_http_port,
                                              label_host_https_port,
                                              label_forwarded,
                                              label_forwarded_port,
                                              label_vpn_container,
                                              label_kind,
                                              label_swarm_node,
                                              label_swarm_node_addr};
  for (const auto& [k, v] : labels)
    if (reserved_labels.count(k)) return "label " + k + " is reserved by acepool";
  for (const auto& [k, v] : env)
    if (reserved_env.count(k)) return "env " + k + " is reserved by acepool";
  return std::nullopt;
}

std::optional<conf_ports> parse_conf_ports(const std::string& conf) {
  conf_ports out;
  auto read = [&](const std::string& key, std::optional<uint16_t>& target) {
    auto pos = conf.find(key);
    if (pos == std::string::npos) return true;
    auto start = pos + key.size();
    auto end = conf.find_first_of(" \n\r\t", start);
    auto text = conf.substr(start, end == std::string::npos ? std::string::npos : end - start);
    char* stop = nullptr;
    long v = std::strtol(text.c_str(), &stop, 10);
    if (text.empty() || *stop != '\0' || v < 1 || v > 65535) return false;
    target = static_cast<uint16_t>(v);
    return true;
  };
  if (!read("--http-port=", out.http) || !read("--https-port=", out.https)) return std::nullopt;
  return out;
}

int next_name_index(const std::vector<std::string>& names, const std::string& prefix) {
  int highest = 0;
  const std::string head = prefix + "-";
  for (const auto& n : names) {
    if (n.compare(0, head.size(), head) != 0) continue;
    auto rest = n.substr(head.size());
    if (rest.empty() || !std::all_of(rest.begin(), rest.end(), ::isdigit) || rest.size() > 9)
      continue;
    highest = std::max(highest, std::atoi(rest.c_str()));
  }
  return highest + 1;
}

bool is_generic(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(label_kind);
  return it != labels.end() && it->second == "generic";
}

bool is_engine(const std::map<std::string, std::string>& labels) {
  auto it = labels.find(label_kind);
  return it != labels.end() && it->second == "engine";
}

}  // namespace acepool::docker
