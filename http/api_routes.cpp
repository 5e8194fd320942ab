#include "http/api_routes.hpp"

#include "actors/runtime/published_state.hpp"
#include "config/settings_loader.hpp"
#include "http/containers_handler.hpp"
#include "http/debug_handler.hpp"
#include "http/docs_handler.hpp"
#include "http/engines_handler.hpp"
#include "http/events_handler.hpp"
#include "http/health_handler.hpp"
#include "http/live_events_handler.hpp"
#include "http/metrics_handler.hpp"
#include "http/panel_handler.hpp"
#include "http/playlist_handler.hpp"
#include "http/pool_handler.hpp"
#include "http/provision_handler.hpp"
#include "http/relay_handler.hpp"
#include "http/status_handler.hpp"
#include "http/status_model.hpp"
#include "http/streams_handler.hpp"

namespace acepool::http {

std::chrono::milliseconds api_context::request_timeout() const {
  return config->values.service.api_request_timeout;
}

std::chrono::milliseconds api_context::long_timeout() const {
  return config->values.service.api_long_operation_timeout;
}

router_options make_router_options(const api_context& ctx) {
  const auto& svc = ctx.config->values.service;
  router_options o;
  o.api_key = svc.api_key;
  o.api_key_reads = svc.api_key_reads;
  o.metrics_auth = svc.metrics_auth;
  o.cors_origins = svc.cors_origins;
  o.allowed_hosts = svc.allowed_hosts;
  o.max_body_bytes = svc.max_body_bytes;
  if (auto* published = ctx.published) {
    o.extra_headers = [published] {
      return provisioning_headers(*published->provisioning.load(),
                                  *published->general_breaker.load(),
                                  std::chrono::steady_clock::now());
    };
  }
  return o;
}

namespace {

void add_pool_api_routes(router& r, const api_context& ctx) {
  add_status_routes(r, ctx);
  add_engines_routes(r, ctx);
  add_provision_routes(r, ctx);
  add_containers_routes(r, ctx);
  add_pool_routes(r, ctx);
  add_streams_routes(r, ctx);
  add_events_routes(r, ctx);
  add_live_events_routes(r, ctx);
  add_relay_routes(r, ctx);
  add_playlist_routes(r, ctx);
}

}  // namespace

void add_api_routes(router& r, const api_context& ctx) {
  add_health_routes(r, ctx);
  add_debug_routes(r, ctx);
  add_metrics_routes(r, ctx);
  if (ctx.published != nullptr)  // else the pool actors are not running (component tests)
    add_pool_api_routes(r, ctx);
  add_panel_routes(r);
  add_docs_routes(r);  // last: it documents every route registered before it
}

std::shared_ptr<router> make_api_router(const api_context& ctx) {
  auto r = std::make_shared<router>(make_router_options(ctx), ctx.metrics);
  add_api_routes(*r, ctx);
  return r;
}

}  // namespace acepool::http
