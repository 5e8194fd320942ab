#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// POST /playlist/rewrite: an M3U playlist with its AceStream entries pointed at acepool.
void add_playlist_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
