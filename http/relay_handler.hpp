#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// The acexy-compatible relay routes: GET /ace/getstream (and /ace/getstream/), GET /ace/status.
void add_relay_routes(router& r, const api_context& ctx);

/// A router serving only the relay routes (the RELAY_PORT listener).
std::shared_ptr<router> make_relay_router(const api_context& ctx);

}  // namespace acepool::http
