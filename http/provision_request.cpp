#include "http/provision_request.hpp"

#include <regex>

#include "http/json_body.hpp"

namespace acepool::http {

namespace {

bool is_port_number(const nlohmann::json& v) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned()) return v.get<uint64_t>() >= 1 && v.get<uint64_t>() <= 65535;
  return v.get<int64_t>() >= 1 && v.get<int64_t>() <= 65535;
}

}  // namespace

read_request<actors::engine_request> read_engine_request(const nlohmann::json& body) {
  read_request<actors::engine_request> out;
  validation_errors errors;
  actors::engine_request req;
  req.image = read_string(body, "image", errors);
  req.labels = read_string_map(body, "labels", errors);
  req.env = read_string_map(body, "env", errors);
  if (auto port = read_integer(body, "host_port", 1, 65535, errors))
    req.host_port = static_cast<uint16_t>(*port);
  if (!errors.empty())
    out.error = errors.to_response();
  else
    out.request = std::move(req);
  return out;
}

read_request<actors::generic_request> read_generic_request(const nlohmann::json& body) {
  static const std::regex port_key(R"(^[0-9]{1,5}/(tcp|udp)$)");
  static const std::regex name_prefix(R"(^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$)");
  read_request<actors::generic_request> out;
  validation_errors errors;
  actors::generic_request req;
  req.image = read_string(body, "image", errors);
  req.env = read_string_map(body, "env", errors);
  req.labels = read_string_map(body, "labels", errors);
  if (auto prefix = read_string(body, "name_prefix", errors)) {
    if (std::regex_match(*prefix, name_prefix))
      req.name_prefix = *prefix;
    else
      errors.add({"body", "name_prefix"}, "must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
                 "value_error.str.regex");
  }
  if (body.contains("ports") && !body["ports"].is_null()) {
    const auto& ports = body["ports"];
    if (!ports.is_object()) {
      errors.add({"body", "ports"}, "value is not a valid dict", "type_error.dict");
    } else {
      for (const auto& [k, v] : ports.items()) {
        if (!std::regex_match(k, port_key)) {
          errors.add({"body", "ports", k}, "keys are container ports like \"8080/tcp\"",
                     "value_error.str.regex");
        } else if (!is_port_number(v)) {
          errors.add({"body", "ports", k}, "ensure this value is a port between 1 and 65535",
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
