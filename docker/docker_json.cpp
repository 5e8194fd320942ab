#include "docker/docker_json.hpp"

#include <algorithm>
#include <cctype>

namespace acepool::docker {

using nlohmann::json;

namespace {

int64_t to_ns(std::chrono::milliseconds ms) {
  return static_cast<int64_t>(ms.count()) * 1'000'000;
}

std::string strip_slash(std::string name) {
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

std::map<std::string, std::string> string_map(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

bool contains_ci(const std::string& haystack, const std::string& needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return it != haystack.end();
}

}  // namespace

json create_body(const container_spec& spec) {
  json body{{"Image", spec.image}, {"Labels", spec.labels}, {"Env", spec.env}};
  if (!spec.cmd.empty()) body["Cmd"] = spec.cmd;
  json host{{"RestartPolicy", {{"Name", spec.restart_policy}}}};
  if (!spec.ports.empty()) {
    json exposed = json::object();
    json bindings = json::object();
    for (const auto& [port, list] : spec.ports) {
      exposed[port] = json::object();
      json arr = json::array();
      for (const auto& b : list)
        arr.push_back({{"HostIp", b.host_ip}, {"HostPort", std::to_string(b.host_port)}});
      bindings[port] = arr;
    }
    body["ExposedPorts"] = exposed;
    host["PortBindings"] = bindings;
  }
  if (spec.network_mode) host["NetworkMode"] = *spec.network_mode;
  if (spec.memory_bytes) host["Memory"] = *spec.memory_bytes;
  if (spec.healthcheck) {
    const auto& h = *spec.healthcheck;
    body["Healthcheck"] = {{"Test", h.test},
                           {"Interval", to_ns(h.interval)},
                           {"Timeout", to_ns(h.timeout)},
                           {"Retries", h.retries},
                           {"StartPeriod", to_ns(h.start_period)}};
  }
  body["HostConfig"] = host;
  return body;
}

std::vector<container_summary> parse_container_list(const json& body) {
  std::vector<container_summary> out;
  if (!body.is_array()) return out;
  for (const auto& row : body) {
    if (!row.is_object() || !row.contains("Id")) continue;
    container_summary s;
    s.id = row.value("Id", "");
    if (row.contains("Names") && row["Names"].is_array() && !row["Names"].empty())
      s.name = strip_slash(row["Names"][0].get<std::string>());
    s.image = row.value("Image", "");
    s.state = row.value("State", "");
    s.status = row.value("Status", "");
    s.created = row.value("Created", int64_t{0});
    s.labels = string_map(row.value("Labels", json::object()));
    if (row.contains("Ports") && row["Ports"].is_array()) {
      for (const auto& p : row["Ports"]) {
        if (!p.contains("PublicPort")) continue;
        auto key = std::to_string(p.value("PrivatePort", 0)) + "/" + p.value("Type", "tcp");
        s.ports[key].push_back(
            {p.value("IP", ""), static_cast<uint16_t>(p.value("PublicPort", 0))});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

container_details parse_container_details(const json& body) {
  container_details d;
  d.id = body.value("Id", "");
  d.name = strip_slash(body.value("Name", ""));
  d.created = body.value("Created", "");
  if (body.contains("State") && body["State"].is_object()) {
    const auto& st = body["State"];
    d.status = st.value("Status", "");
    d.running = st.value("Running", false);
    d.exit_code = st.value("ExitCode", 0);
    d.started_at = st.value("StartedAt", "");
    if (st.contains("Health") && st["Health"].is_object())
      d.health = st["Health"].value("Status", "");
  }
  if (body.contains("Config") && body["Config"].is_object()) {
    const auto& cfg = body["Config"];
    d.image = cfg.value("Image", "");
    d.labels = string_map(cfg.value("Labels", json::object()));
    if (cfg.contains("Env") && cfg["Env"].is_array())
      for (const auto& e : cfg["Env"])
        if (e.is_string()) d.env.push_back(e.get<std::string>());
  }
  if (body.contains("HostConfig") && body["HostConfig"].is_object())
    d.network_mode = body["HostConfig"].value("NetworkMode", "");
  if (body.contains("NetworkSettings") && body["NetworkSettings"].is_object()) {
    const auto& ports = body["NetworkSettings"].value("Ports", json::object());
    if (ports.is_object()) {
      for (const auto& [key, list] : ports.items()) {
        auto& bindings = d.ports[key];
        if (!list.is_array()) continue;
        for (const auto& b : list) {
          auto host_port = b.value("HostPort", "");
          bindings.push_back({b.value("HostIp", ""),
                              static_cast<uint16_t>(host_port.empty() ? 0 : std::stoi(host_port))});
        }
      }
    }
  }
  return d;
}

std::optional<docker_event> parse_event(const std::string& line) {
  auto j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("Type")) return std::nullopt;
  docker_event e;
  e.type = j.value("Type", "");
  e.action = j.value("Action", "");
  if (j.contains("Actor") && j["Actor"].is_object()) {
    e.id = j["Actor"].value("ID", "");
    e.attributes = string_map(j["Actor"].value("Attributes", json::object()));
  }
  e.time_nano = j.value("timeNano", int64_t{0});
  return e;
}

bool is_container_reference(std::string_view ref) {
  if (!ref.empty() && ref.front() == '/') ref.remove_prefix(1);
  if (ref.empty() || ref.size() > 255 || !std::isalnum(static_cast<unsigned char>(ref.front())))
    return false;
  for (char c : ref) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

docker_error classify_http_error(int http_status, std::string message) {
  docker_error e;
  e.http_status = http_status;
  if (message.empty()) message = "HTTP " + std::to_string(http_status) + " from the Docker API";
  if (http_status == 404 || (http_status >= 300 && http_status < 400)) {
    // Docker redirects a path it had to clean: the reference named nothing.
    e.code =
        contains_ci(message, "no such image") ? docker_errc::image_missing : docker_errc::not_found;
  } else if (http_status == 409) {
    e.code = docker_errc::conflict;
  } else if (contains_ci(message, "address already in use") ||
             contains_ci(message, "port is already allocated")) {
    e.code = docker_errc::port_in_use;
  } else if (contains_ci(message, "pull access denied") ||
             contains_ci(message, "manifest unknown") ||
             contains_ci(message, "repository does not exist")) {
    e.code = docker_errc::image_missing;
  } else {
    e.code = docker_errc::other;
  }
  e.message = std::move(message);
  return e;
}

image_name split_image_ref(const std::string& ref) {
  if (ref.find('@') != std::string::npos) return {ref, ""};
  auto colon = ref.rfind(':');
  auto slash = ref.rfind('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
    return {ref.substr(0, colon), ref.substr(colon + 1)};
  return {ref, "latest"};
}

}  // namespace acepool::docker
