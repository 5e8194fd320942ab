#include "http/api_routes.hpp"

#include "config/settings_loader.hpp"
#include "http/debug_handler.hpp"
#include "http/health_handler.hpp"
#include "http/metrics_handler.hpp"

namespace acepool::http {

std::chrono::milliseconds api_context::request_timeout() const {
  return config->values.service.api_request_timeout;
}

router_options make_router_options(const api_context& ctx) {
  const auto& svc = ctx.config->values.service;
  router_options o;
  o.api_key = svc.api_key;
  o.api_key_reads = svc.api_key_reads;
  o.metrics_auth = svc.metrics_auth;
  o.cors_origins = svc.cors_origins;
  o.max_body_bytes = svc.max_body_bytes;
  return o;
}

void add_api_routes(router& r, const api_context& ctx) {
  add_health_routes(r, ctx);
  add_debug_routes(r, ctx);
  add_metrics_routes(r, ctx);
}

std::shared_ptr<router> make_api_router(const api_context& ctx) {
  auto r = std::make_shared<router>(make_router_options(ctx), ctx.metrics);
  add_api_routes(*r, ctx);
  return r;
}

}  // namespace acepool::http
