#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /debug/actors, /debug/actors/{name}, /debug/config.
void add_debug_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
