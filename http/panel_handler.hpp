#pragma once

#include "http/router.hpp"

namespace acepool::http {

/// GET / and /panel/ (308 to /panel), /panel (the operator's panel: a page built into the binary)
/// and /panel/assets/{file} (its bundle under names that carry a hash of their content: cached
/// for a year as immutable, gzip-compressed when the browser accepts it).
void add_panel_routes(router& r);

}  // namespace acepool::http
