#include "http/metrics_handler.hpp"

#include "support/metrics_registry.hpp"

namespace acepool::http {

void add_metrics_routes(router& r, const api_context& ctx) {
  r.add(method::get, "/metrics", access::metrics,
        route_doc("metrics", "Prometheus metrics: acepool_* and the orchestrator's orch_*")
            .returns(200, string_schema(), "text exposition format 0.0.4",
                     "text/plain; version=0.0.4; charset=utf-8"),
        [reg = ctx.metrics](call& c) {
          response out;
          out.content_type = "text/plain; version=0.0.4; charset=utf-8";
          out.body = reg->render();
          c.reply.send(std::move(out));
        });
}

}  // namespace acepool::http
