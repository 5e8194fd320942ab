#include "http/status_handler.hpp"

#include "actors/messages.hpp"
#include "actors/published_state.hpp"
#include "config/settings_loader.hpp"
#include "http/actor_bridge.hpp"
#include "http/status_model.hpp"

namespace acepool::http {

namespace {

template <class F>
response with_status_inputs(const api_context& ctx, F f) {
  auto engines = ctx.published->engines.load();
  auto breakers = ctx.published->breakers.load();
  auto provisioning = ctx.published->provisioning.load();
  auto docker = ctx.published->docker.load();
  auto streams = ctx.published->streams.load();
  auto health = ctx.published->health.load();
  auto vpn = ctx.published->vpn.load();
  status_inputs in{*engines,  *streams,           *health,
                   *breakers, *provisioning,      *docker,
                   *vpn,      ctx.config->values, std::chrono::steady_clock::now()};
  return f(in);
}

}  // namespace

void add_status_routes(router& r, const api_context& ctx) {
  r.add(method::get, "/orchestrator/status", access::read, [ctx](call& c) {
    c.reply.send(with_status_inputs(
        ctx, [](const status_inputs& in) { return response::json(200, orchestrator_status(in)); }));
  });
  r.add(method::get, "/vpn/status", access::read, [ctx](call& c) {
    c.reply.send(response::json(200, actors::vpn_status_json(*ctx.published->vpn.load())));
  });
  r.add(method::get, "/health/status", access::read, [ctx](call& c) {
    c.reply.send(with_status_inputs(
        ctx, [](const status_inputs& in) { return response::json(200, health_status(in)); }));
  });
  r.add(method::post, "/health/circuit-breaker/reset", access::write, [ctx](call& c) {
    auto kind = c.query.get("operation_type").value_or("");
    ask<bool>(
        *ctx.system, ctx.breaker, ctx.request_timeout(), c.reply,
        [kind](bool ok) {
          if (!ok) return response::error(400, "operation_type must be general or replacement");
          // api.md's exact texts: "for <kind>" but "all" on its own.
          return response::json(
              200, {{"message", "Circuit breaker " +
                                    (kind.empty() ? std::string("all") : "for " + kind) +
                                    " reset successfully"}});
        },
        actors::breaker_reset_atom::value, kind);
  });
}

}  // namespace acepool::http
