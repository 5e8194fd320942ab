#include "http/provision_request.hpp"

#include <cctype>
#include <regex>
#include <set>

#include "http/json_body.hpp"

namespace acepool::http {

namespace {

bool is_port_number(const nlohmann::json& v) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) return v.get<uint64_t>() >= 1 && v.get<uint64_t>() <= 65535;
  return v.get<int64_t>() >= 1 && v.get<int64_t>() <= 65535;
}

/// Environment variable names Docker and shells accept, values without NUL.
void check_env(const std::map<std::string, std::string>& env, validation_errors& errors) {
  static const std::regex name(R"(^[A-Za-z_][A-Za-z0-9_]*$)");
  for (const auto& [k, v] : env) {
    if (!std::regex_match(k, name))
      errors.add({"body", "env", k}, "names must match [A-Za-z_][A-Za-z0-9_]*",
                 "value_error.str.regex");
    else if (v.find('\0') != std::string::npos)
      errors.add({"body", "env", k}, "values must not contain NUL", "value_error.str");
  }
}

bool reserved_prefix(const std::string& prefix) {
  std::string lower;
  for (char c : prefix)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.rfind("acestream", 0) == 0 || lower.rfind("acepool", 0) == 0;
}

}  // namespace

read_request<actors::engine_request> read_engine_request(const nlohmann::json& body) {
  read_request<actors::engine_request> out;
  validation_errors errors;
  actors::engine_request req;
  req.image = read_string(body, "image", errors);
  req.labels = read_string_map(body, "labels", errors);
  req.env = read_string_map(body, "env", errors);
  check_env(req.env, errors);
  if (auto port = read_integer(body, "host_port", 1, 65535, errors))
    req.host_port = static_cast<uint16_t>(*port);
  if (!errors.empty())
    out.error = errors.to_response();
  else
    out.request = std::move(req);
  return out;
}

read_request<actors::generic_request> read_generic_request(
    const nlohmann::json& body, const std::optional<config::port_range>& host_ports) {
  static const std::regex port_key(R"(^([0-9]{1,5})/(tcp|udp)$)");
  static const std::regex name_prefix(R"(^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$)");
  static const std::set<std::string> known{"image", "env", "labels", "name_prefix", "ports"};
  read_request<actors::generic_request> out;
  validation_errors errors;
  for (const auto& [k, v] : body.items())
    if (!known.count(k))
      errors.add({"body", k}, "Extra inputs are not permitted", "extra_forbidden");
  actors::generic_request req;
  req.image = read_string(body, "image", errors);
  req.env = read_string_map(body, "env", errors);
  check_env(req.env, errors);
  req.labels = read_string_map(body, "labels", errors);
  if (auto prefix = read_string(body, "name_prefix", errors)) {
    if (!std::regex_match(*prefix, name_prefix))
      errors.add({"body", "name_prefix"}, "must match [a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}",
                 "value_error.str.regex");
    else if (reserved_prefix(*prefix))
      errors.add({"body", "name_prefix"},
                 "names starting with acestream or acepool are acepool's own", "value_error");
    else
      req.name_prefix = *prefix;
  }
  if (body.contains("ports") && !body["ports"].is_null()) {
    const auto& ports = body["ports"];
    std::smatch m;
    if (!ports.is_object()) {
      errors.add({"body", "ports"}, "value is not a valid dict", "type_error.dict");
    } else if (!ports.empty() && !host_ports) {
      errors.add({"body", "ports"},
                 "publishing host ports needs GENERIC_PORT_RANGE (unset: none may be published)",
                 "value_error");
    } else {
      for (const auto& [k, v] : ports.items()) {
        if (!std::regex_match(k, m, port_key) || std::stoul(m[1].str()) < 1 ||
            std::stoul(m[1].str()) > 65535) {
          errors.add({"body", "ports", k}, "keys are container ports 1-65535 like \"8080/tcp\"",
                     "value_error.str.regex");
        } else if (!is_port_number(v) ||
                   !host_ports->contains(static_cast<uint16_t>(v.get<int64_t>()))) {
          errors.add({"body", "ports", k},
                     "ensure this value is a host port within GENERIC_PORT_RANGE (" +
                         std::to_string(host_ports->low) + "-" + std::to_string(host_ports->high) +
                         ")",
                     "value_error.number.not_in_range");
        } else {
          req.ports[k] = static_cast<uint16_t>(v.get<int64_t>());
        }
      }
    }
  }
  if (!errors.empty())
    out.error = errors.to_response();
  else
    out.request = std::move(req);
  return out;
}

}  // namespace acepool::http
