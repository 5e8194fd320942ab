#include "http/provision_handler.hpp"

#include "actors/messages.hpp"
#include "config/settings_loader.hpp"
#include "http/actor_bridge.hpp"
#include "http/json_body.hpp"
#include "http/provision_request.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::http {

response provision_error_response(const actors::provision_error& e, bool relay) {
  auto out = response::json(actors::http_status(e.code, relay), actors::error_body(e));
  if (e.eta_s) out.headers.emplace_back("Retry-After", std::to_string(*e.eta_s));
  return out;
}

namespace {

/// The orchestrator's orch_provision_total: every request that got past body validation (as
/// FastAPI validates before its handler runs), whatever its outcome.
void count_request(const api_context& ctx, const char* kind) {
  if (ctx.metrics != nullptr) ctx.metrics->counter(metrics::orch_provision, {{"kind", kind}}).inc();
}

void provision_engine(const api_context& ctx, call& c) {
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  auto read = read_engine_request(*body.value);
  if (!read.request) return c.reply.send(read.error);
  count_request(ctx, "acestream");
  auto req = std::move(*read.request);
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
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  auto read = read_generic_request(*body.value, ctx.config->values.docker.generic_port_range);
  if (!read.request) return c.reply.send(read.error);
  count_request(ctx, "generic");
  auto req = std::move(*read.request);
  ask<actors::provision_result>(
      *ctx.system, ctx.provisioner, ctx.long_timeout(), c.reply,
      [](actors::provision_result& r) {
        if (!r.ok()) return provision_error_response(*r.error);
        return response::json(
            200, {{"container_id", r.container_id}, {"container_name", r.container_name}});
      },
      actors::provision_generic_atom::value, req);
}

/// The answers both provisioning routes share: the provisioning table of docs/api.md.
route_doc provisioning_doc(std::string summary) {
  auto failed = schema_ref("ProvisioningError");
  return route_doc("provisioning", std::move(summary))
      .returns(400, failed, "invalid_request: a reserved label or env key, a port out of range")
      .returns(403, failed, "image_not_allowed")
      .returns(409, failed, "max_capacity")
      .with_header("Retry-After", "seconds, when the capacity frees up by itself (AUTO_DELETE)")
      .returns(500, failed, "image_missing, general_error")
      .returns(503, failed,
               "blocked (VPN, breaker, queue full, no Swarm node for it) or Docker unavailable")
      .with_header("Retry-After", "seconds until it may work: recovery_eta_seconds")
      .returns(504, failed, "timeout: the operation was aborted and cleaned up");
}

}  // namespace

void add_provision_routes(router& r, const api_context& ctx) {
  r.add(method::post, "/provision/acestream", access::write,
        provisioning_doc("Starts one more engine; answers when it is ready")
            .body(schema_ref("EngineRequest"))
            .returns(200, schema_ref("EngineProvisioned"), "the engine, already in /engines"),
        [ctx](call& c) { provision_engine(ctx, c); });
  r.add(method::post, "/provision", access::write,
        provisioning_doc("Starts a generic container of an allowed image")
            .body(schema_ref("ContainerRequest"), true)
            .returns(200, schema_ref("ContainerProvisioned"), "the container runs"),
        [ctx](call& c) { provision_generic(ctx, c); });
}

}  // namespace acepool::http
