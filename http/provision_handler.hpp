#pragma once

#include "actors/provisioning/provision_types.hpp"
#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// POST /provision/acestream and POST /provision.
void add_provision_routes(router& r, const api_context& ctx);

/// The response for a failed provisioning: api.md's error object, its status and Retry-After.
response provision_error_response(const actors::provision_error& e, bool relay = false);

}  // namespace acepool::http
