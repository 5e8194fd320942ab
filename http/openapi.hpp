#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/router.hpp"

namespace acepool::http {

/// Which routes ask for the API key (router_options: API_KEY, API_KEY_READS, METRICS_AUTH).
struct key_rules {
  bool api_key = false;
  bool key_reads = false;
  bool metrics_auth = false;
};

/// The OpenAPI 3.1 document of `routes` (router::routes()): one operation per route with what
/// `keys` make its access rule ask for (security requirements), its parameters, body and answers
/// from its route_doc, the answers every route shares (401/403 by access level; 413/415/422 for a
/// body; 400/422 for parameters; the error document otherwise), and the schema table
/// http/api_schemas.json built into the binary. Throws std::logic_error for a route without a
/// summary or an answer, or whose path parameters and documented ones differ: acepool then refuses
/// to start, so no route can be served undocumented.
nlohmann::json openapi_document(const std::vector<router::route_info>& routes,
                                std::string_view version, const key_rules& keys);

}  // namespace acepool::http
