#include "http/provision_handler.hpp"

#include <regex>

#include "actors/messages.hpp"
#include "http/actor_bridge.hpp"
#include "http/json_body.hpp"

namespace acepool::http {

response provision_error_response(const actors::provision_error& e, bool relay) {
  auto out = response::json(actors::http_status(e.code, relay), actors::error_body(e));
  if (e.eta_s) out.headers.emplace_back("Retry-After", std::to_string(*e.eta_s));
  return out;
}

namespace {

void provision_engine(const api_context& ctx, call& c) {
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  validation_errors errors;
  actors::engine_request req;
  req.image = read_string(*body.value, "image", errors);
  req.labels = read_string_map(*body.value, "labels", errors);
  req.env = read_string_map(*body.value, "env", errors);
  if (auto port = read_integer(*body.value, "host_port", 1, 65535, errors))
    req.host_port = static_cast<uint16_t>(*port);
  if (!errors.empty()) return c.reply.send(errors.to_response());
  ask<actors::provision_result>(
      *ctx.system, ctx.provisioner, ctx.long_timeout(), c.reply,
      [](actors::provision_result& r) {
        if (!r.ok()) return provision_error_response(*r.error);
        const auto& e = *r.engine;
        return response::json(
            200, {{"container_id", e.container_id},
                  {"container_name", e.container_name},
                  {"host_http_port", e.labels.count("host.http_port") ? nlohmann::json(e.port)
                                                                      : nlohmann::json(nullptr)},
                  {"container_http_port", e.container_http_port},
                  {"container_https_port", e.container_https_port},
                  {"host", e.host},
                  {"port", e.port}});
      },
      actors::provision_engine_atom::value, req);
}

void provision_generic(const api_context& ctx, call& c) {
  static const std::regex port_key(R"(^[0-9]{1,5}/(tcp|udp)$)");
  static const std::regex name_prefix(R"(^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$)");
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  validation_errors errors;
  actors::generic_request req;
  req.image = read_string(*body.value, "image", errors);
  req.env = read_string_map(*body.value, "env", errors);
  req.labels = read_string_map(*body.value, "labels", errors);
  if (auto prefix = read_string(*body.value, "name_prefix", errors)) {
    if (std::regex_match(*prefix, name_prefix))
      req.name_prefix = *prefix;
    else
      errors.add({"body", "name_prefix"}, "must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
                 "value_error.str.regex");
  }
  if (body.value->contains("ports") && !(*body.value)["ports"].is_null()) {
    const auto& ports = (*body.value)["ports"];
    if (!ports.is_object()) {
      errors.add({"body", "ports"}, "value is not a valid dict", "type_error.dict");
    } else {
      for (const auto& [k, v] : ports.items()) {
        if (!std::regex_match(k, port_key)) {
          errors.add({"body", "ports", k}, "keys are container ports like \"8080/tcp\"",
                     "value_error.str.regex");
        } else if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 65535) {
          errors.add({"body", "ports", k}, "ensure this value is a port between 1 and 65535",
                     "value_error.number.not_in_range");
        } else {
          req.ports[k] = static_cast<uint16_t>(v.get<int64_t>());
        }
      }
    }
  }
  if (!errors.empty()) return c.reply.send(errors.to_response());
  ask<actors::provision_result>(
      *ctx.system, ctx.provisioner, ctx.long_timeout(), c.reply,
      [](actors::provision_result& r) {
        if (!r.ok()) return provision_error_response(*r.error);
        return response::json(
            200, {{"container_id", r.container_id}, {"container_name", r.container_name}});
      },
      actors::provision_generic_atom::value, req);
}

}  // namespace

void add_provision_routes(router& r, const api_context& ctx) {
  r.add(method::post, "/provision/acestream", access::write,
        [ctx](call& c) { provision_engine(ctx, c); });
  r.add(method::post, "/provision", access::write, [ctx](call& c) { provision_generic(ctx, c); });
}

}  // namespace acepool::http
