#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /health (liveness) and GET /health/ready (readiness).
void add_health_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
