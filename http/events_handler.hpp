#pragma once

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// POST /events/stream_started, /events/stream_ended, /events/batch: the stream reports of
/// external proxies (api.md "Streams and events").
void add_events_routes(router& r, const api_context& ctx);

}  // namespace acepool::http
