#include "http/containers_handler.hpp"

#include "actors/messages.hpp"
#include "config/settings_loader.hpp"
#include "docker/docker_json.hpp"
#include "http/actor_bridge.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

namespace {

/// The published bindings by container port; a port without one is left out, as the
/// orchestrator does.
nlohmann::json ports_json(const docker::port_map& ports) {
  auto out = nlohmann::json::object();
  for (const auto& [key, bindings] : ports) {
    if (bindings.empty()) continue;
    auto list = nlohmann::json::array();
    for (const auto& b : bindings)
      list.push_back({{"HostIp", b.host_ip}, {"HostPort", std::to_string(b.host_port)}});
    out[key] = list;
  }
  return out;
}

bool managed(const std::map<std::string, std::string>& labels,
             const std::pair<std::string, std::string>& label) {
  auto it = labels.find(label.first);
  return it != labels.end() && it->second == label.second;
}

/// The orchestrator's container document (GET /containers/{id} and every /by-label item):
/// `created` RFC 3339, `status` Docker's state word (`running`, `exited`, ...).
nlohmann::json container_json(const docker::container_details& d) {
  return {{"id", d.id},
          {"name", d.name},
          {"image", d.image},
          {"created", d.created},
          {"status", d.status},
          {"labels", d.labels},
          {"ports", ports_json(d.ports)}};
}

/// A listed container as the document above: its state word as `status`, its creation second
/// as RFC 3339 (the list has no finer time; an inspection per item would cost one Docker call
/// each).
docker::container_details as_details(const docker::container_summary& s) {
  docker::container_details d;
  d.id = s.id;
  d.name = s.name;
  d.image = s.image;
  d.created = support::format_rfc3339(
      std::chrono::system_clock::time_point(std::chrono::seconds(s.created)));
  d.status = s.state;
  d.labels = s.labels;
  d.ports = s.ports;
  return d;
}

}  // namespace

void add_containers_routes(router& r, const api_context& ctx) {
  auto label = ctx.config->values.docker.container_label;
  r.add(method::get, "/containers/{id}", access::read,
        route_doc("containers", "A managed container as Docker describes it")
            .path("id", string_schema(), "container id, name or unique prefix")
            .returns(200, schema_ref("Container"), "the container")
            .returns(404, schema_ref("Error"), "unknown, or not managed by acepool")
            .returns(503, schema_ref("Error"), "Docker unreachable"),
        [ctx, label](call& c) {
          if (!docker::is_container_reference(c.param("id")))
            return c.reply.send(response::error(404, "container not found"));
          ask<docker::result<docker::container_details>>(
              *ctx.system, ctx.docker_quick, ctx.request_timeout(), c.reply,
              [label](docker::result<docker::container_details>& d) {
                if (!d.ok() && d.error().code != docker::docker_errc::not_found)
                  return response::error(503, "docker: " + d.error().message);
                if (!d.ok() || !managed(d->labels, label))
                  return response::error(404, "container not found");
                return response::json(200, container_json(*d));
              },
              actors::docker_inspect_atom::value, c.param("id"));
        });
  r.add(method::del, "/containers/{id}", access::write,
        route_doc("containers", "Removes a managed container (engine or generic)")
            .explain("The registry is updated and the ports freed before the answer.")
            .path("id", string_schema(), "container id, name or unique prefix")
            .returns(200, schema_ref("ContainerDeleted"), "removed: its full id")
            .returns(404, schema_ref("Error"), "unknown, or not managed by acepool"),
        [ctx](call& c) {
          if (!docker::is_container_reference(c.param("id")))
            return c.reply.send(response::error(404, "container not found"));
          ask<std::string>(
              *ctx.system, ctx.provisioner, ctx.long_timeout(), c.reply,
              [](std::string& id) {
                return response::json(200, {{"deleted", id}});
              },
              actors::remove_container_atom::value, c.param("id"), std::string("api"));
        });
  r.add(method::get, "/by-label", access::write,
        route_doc("containers", "Managed containers carrying the label key=value")
            .query("key", string_schema(), "label name", true)
            .query("value", string_schema(), "label value", true)
            .returns(200, list_of("Container"), "each as GET /containers/{id} describes it"),
        [ctx, label](call& c) {
          auto key = c.query.get("key");
          auto value = c.query.get("value");
          if (!key || !value || key->empty()) {
            nlohmann::json detail = nlohmann::json::array();
            if (!key || key->empty())
              detail.push_back({{"loc", {"query", "key"}},
                                {"msg", "field required"},
                                {"type", "value_error.missing"}});
            if (!value)
              detail.push_back({{"loc", {"query", "value"}},
                                {"msg", "field required"},
                                {"type", "value_error.missing"}});
            return c.reply.send(response::error_detail(422, detail));
          }
          docker::filters f{{"label", {label.first + "=" + label.second, *key + "=" + *value}}};
          ask<docker::result<std::vector<docker::container_summary>>>(
              *ctx.system, ctx.docker_quick, ctx.request_timeout(), c.reply,
              [](docker::result<std::vector<docker::container_summary>>& list) {
                if (!list.ok()) return response::error(503, "docker: " + list.error().message);
                auto out = nlohmann::json::array();
                for (const auto& s : *list)
                  out.push_back(container_json(as_details(s)));
                return response::json(200, out);
              },
              actors::docker_list_atom::value, f, true);
        });
}

}  // namespace acepool::http
