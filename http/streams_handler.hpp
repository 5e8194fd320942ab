#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /streams, GET /streams/{id}, GET /streams/{id}/stats, DELETE /streams/{id}.
void add_streams_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
