#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET/DELETE /containers/{id}, GET /by-label.
void add_containers_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
