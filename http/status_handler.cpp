#include "http/status_handler.hpp"

#include <atomic>
#include <memory>

#include "actors/messages.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings_loader.hpp"
#include "http/actor_bridge.hpp"
#include "http/state_json.hpp"
#include "http/status_model.hpp"
#include "support/text_safety.hpp"

namespace acepool::http {

namespace {

/// Every snapshot a status document is computed from, held so that a pointer seen again really
/// is the same snapshot.
struct status_sources {
  std::shared_ptr<const actors::engines_snapshot> engines;
  std::shared_ptr<const actors::breaker> general_breaker, replacement_breaker;
  std::shared_ptr<const actors::provisioning_snapshot> provisioning;
  std::shared_ptr<const actors::docker_snapshot> docker;
  std::shared_ptr<const actors::streams_snapshot> streams;
  std::shared_ptr<const actors::health_snapshot> health;
  std::shared_ptr<const actors::vpn_snapshot> vpn;

  explicit status_sources(const actors::published_state& p)
      : engines(p.engines.load()),
        general_breaker(p.general_breaker.load()),
        replacement_breaker(p.replacement_breaker.load()),
        provisioning(p.provisioning.load()),
        docker(p.docker.load()),
        streams(p.streams.load()),
        health(p.health.load()),
        vpn(p.vpn.load()) {}

  bool same(const status_sources& o) const {
    return engines == o.engines && general_breaker == o.general_breaker &&
           replacement_breaker == o.replacement_breaker && provisioning == o.provisioning &&
           docker == o.docker && streams == o.streams && health == o.health && vpn == o.vpn;
  }

  status_inputs inputs(const api_context& ctx, std::chrono::steady_clock::time_point now) const {
    return {*engines,      *streams, *health, *general_breaker,   *replacement_breaker,
            *provisioning, *docker,  *vpn,    ctx.config->values, now};
  }
};

template <class F>
response with_status_inputs(const api_context& ctx, F f) {
  status_sources sources(*ctx.published);
  return f(sources.inputs(ctx, std::chrono::steady_clock::now()));
}

/// The rendered /orchestrator/status, reused while every snapshot it came from is still the
/// published one, for at most `max_age` (its timestamp and the breaker's open → half-open
/// reading move with time). Shared by the io threads; a miss renders outside any lock.
class status_cache {
 public:
  std::string body(const api_context& ctx) {
    auto now = std::chrono::steady_clock::now();
    status_sources sources(*ctx.published);
    auto hit = std::atomic_load(&entry_);
    if (hit && hit->sources->same(sources) && now - hit->rendered_at < max_age) return hit->body;
    auto fresh = std::make_shared<entry>();
    fresh->body = support::dump_json(orchestrator_status(sources.inputs(ctx, now)));
    fresh->rendered_at = now;
    fresh->sources = std::make_shared<const status_sources>(std::move(sources));
    std::atomic_store(&entry_, std::shared_ptr<const entry>(fresh));
    return fresh->body;
  }

 private:
  static constexpr std::chrono::milliseconds max_age{250};
  struct entry {
    std::shared_ptr<const status_sources> sources;
    std::chrono::steady_clock::time_point rendered_at;
    std::string body;
  };
  std::shared_ptr<const entry> entry_;
};

}  // namespace

void add_status_routes(router& r, const api_context& ctx) {
  auto cache = std::make_shared<status_cache>();
  r.add(method::get, "/orchestrator/status", access::read,
        route_doc("status", "The pool at a glance: engines, streams, capacity, VPN, provisioning")
            .explain("From the published snapshots, reused for at most 250 ms.")
            .returns(200, schema_ref("OrchestratorStatus"), "the status"),
        [ctx, cache](call& c) { c.reply.send(response::raw_json(200, cache->body(ctx))); });
  r.add(method::get, "/vpn/status", access::read,
        route_doc("status", "The Gluetun VPN: connected, forwarded port, public IP")
            .returns(200, schema_ref("VpnStatus"), "the VPN's state (`enabled` false without it)"),
        [ctx](call& c) {
          c.reply.send(response::json(200, vpn_status_json(*ctx.published->vpn.load())));
        });
  r.add(method::get, "/health/status", access::read,
        route_doc("health", "Engine health, replacements and both circuit breakers")
            .returns(200, schema_ref("HealthStatus"), "the health summary"),
        [ctx](call& c) {
          c.reply.send(with_status_inputs(
              ctx, [](const status_inputs& in) { return response::json(200, health_status(in)); }));
        });
  r.add(method::post, "/health/circuit-breaker/reset", access::write,
        route_doc("health", "Closes a circuit breaker (or both)")
            .query("operation_type", enum_schema({"general", "replacement"}),
                   "which breaker; none: both")
            .returns(200, schema_ref("BreakerReset"), "reset")
            .returns(400, schema_ref("Error"), "an unknown operation_type"),
        [ctx](call& c) {
          auto kind = c.query.get("operation_type").value_or("");
          // Each breaker lives in its one user: `general` in the provisioner, `replacement` in the
          // health_prober; no kind resets both.
          std::vector<caf::actor> owners;
          if (kind.empty() || kind == "general")
            owners.push_back(caf::actor_cast<caf::actor>(ctx.provisioner));
          if (kind.empty() || kind == "replacement") owners.push_back(ctx.health_prober);
          if (owners.empty()) {
            c.reply.send(response::error(400, "operation_type must be general or replacement"));
            return;
          }
          auto reply = c.reply;
          gather<caf::ok_atom>(
              *ctx.system, owners, ctx.request_timeout(),
              [reply, kind](const std::vector<gathered<caf::ok_atom>>& done) mutable {
                for (const auto& d : done)
                  if (!d)
                    return reply.send(response::error(503, "a breaker's owner did not answer"));
                // api.md's exact texts: "for <kind>" but "all" on its own.
                reply.send(response::json(
                    200, {{"message", "Circuit breaker " +
                                          (kind.empty() ? std::string("all") : "for " + kind) +
                                          " reset successfully"}}));
              },
              actors::breaker_reset_atom::value);
        });
}

}  // namespace acepool::http
