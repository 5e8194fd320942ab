#pragma once

#include <memory>

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// The router options of api.md "Conventions" from the settings (auth, CORS, body limit).
router_options make_router_options(const api_context& ctx);

/// Builds the main listener's router with every route of the API.
std::shared_ptr<router> make_api_router(const api_context& ctx);

/// Registers every route of the API on `r` (one line per resource).
void add_api_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
