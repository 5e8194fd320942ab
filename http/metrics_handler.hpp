#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /metrics: Prometheus text format 0.0.4.
void add_metrics_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
