#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /orchestrator/status, GET /health/status, POST /health/circuit-breaker/reset.
void add_status_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
