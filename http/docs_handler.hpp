#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /openapi.json (the OpenAPI 3.1 document of `r`'s routes, these included), /docs (the API
/// explorer: Swagger UI built into the binary), /docs/{file} (its files) and /redoc (to /docs).
/// Registered last: the document is generated here, once, from every route registered before.
/// Throws std::logic_error when a route is not fully documented (see openapi_document()).
void add_docs_routes(router& r);

}  // namespace acepool::http
