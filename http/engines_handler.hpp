#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /engines (ETag/304), /engines/{id}, /engines/health-score — all from the published snapshot.
void add_engines_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
