#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// POST /scale/{n} and POST /gc.
void add_pool_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
