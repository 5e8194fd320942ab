#include "docker/docker_json.hpp"

#include <algorithm>
#include <cctype>

#include "docker/json_fields.hpp"

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

using fields::flag;
using fields::integer;
using fields::member;
using fields::port_number;
using fields::string_map;
using fields::text;

bool contains_ci(const std::string& haystack, const std::string& needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(a) == std::tolower(b); });
  return it != haystack.end();
}

}  // namespace

json healthcheck_body(const healthcheck_spec& h) {
  return {{"Test", h.test},
          {"Interval", to_ns(h.interval)},
          {"Timeout", to_ns(h.timeout)},
          {"Retries", h.retries},
          {"StartPeriod", to_ns(h.start_period)}};
}

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
  if (spec.nano_cpus) host["NanoCpus"] = *spec.nano_cpus;
  if (spec.healthcheck) body["Healthcheck"] = healthcheck_body(*spec.healthcheck);
  body["HostConfig"] = host;
  return body;
}

std::vector<container_summary> parse_container_list(const json& body) {
  std::vector<container_summary> out;
  if (!body.is_array()) return out;
  for (const auto& row : body) {
    if (!row.is_object() || text(row, "Id").empty()) continue;
    container_summary s;
    s.id = text(row, "Id");
    if (const auto* names = member(row, "Names");
        names && names->is_array() && !names->empty() && names->front().is_string())
      s.name = strip_slash(names->front().get<std::string>());
    s.image = text(row, "Image");
    s.state = text(row, "State");
    s.status = text(row, "Status");
    s.created = integer(row, "Created");
    s.labels = string_map(member(row, "Labels"));
    if (const auto* ports = member(row, "Ports"); ports && ports->is_array()) {
      for (const auto& p : *ports) {
        auto public_port = port_number(integer(p, "PublicPort"));
        if (public_port == 0) continue;
        auto key =
            std::to_string(port_number(integer(p, "PrivatePort"))) + "/" + text(p, "Type", "tcp");
        s.ports[key].push_back({text(p, "IP"), public_port});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

container_details parse_container_details(const json& body) {
  container_details d;
  d.id = text(body, "Id");
  d.name = strip_slash(text(body, "Name"));
  d.created = text(body, "Created");
  if (const auto* st = member(body, "State"); st && st->is_object()) {
    d.status = text(*st, "Status");
    d.running = flag(*st, "Running");
    d.exit_code =
        static_cast<int>(std::clamp<int64_t>(integer(*st, "ExitCode"), INT32_MIN, INT32_MAX));
    d.started_at = text(*st, "StartedAt");
    if (const auto* h = member(*st, "Health"); h && h->is_object()) d.health = text(*h, "Status");
  }
  if (const auto* cfg = member(body, "Config"); cfg && cfg->is_object()) {
    d.image = text(*cfg, "Image");
    d.labels = string_map(member(*cfg, "Labels"));
    if (const auto* env = member(*cfg, "Env"); env && env->is_array())
      for (const auto& e : *env)
        if (e.is_string()) d.env.push_back(e.get<std::string>());
  }
  if (const auto* hc = member(body, "HostConfig")) d.network_mode = text(*hc, "NetworkMode");
  if (const auto* ns = member(body, "NetworkSettings")) {
    if (const auto* ports = member(*ns, "Ports"); ports && ports->is_object()) {
      for (const auto& [key, list] : ports->items()) {
        auto& bindings = d.ports[key];
        if (!list.is_array()) continue;
        for (const auto& b : list)
          bindings.push_back({text(b, "HostIp"), port_number(text(b, "HostPort"))});
      }
    }
  }
  return d;
}

std::optional<docker_event> parse_event(const std::string& line) {
  auto j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("Type")) return std::nullopt;
  docker_event e;
  e.type = text(j, "Type");
  e.action = text(j, "Action");
  if (const auto* actor = member(j, "Actor"); actor && actor->is_object()) {
    e.id = text(*actor, "ID");
    e.attributes = string_map(member(*actor, "Attributes"));
  }
  e.time_nano = integer(j, "timeNano");
  return e;
}

std::string json_text(const nlohmann::json& j, const char* key, const char* fallback) {
  return text(j, key, fallback);
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
  } else if (http_status == 400) {
    e.code = docker_errc::bad_request;
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
