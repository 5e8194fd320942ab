#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "http/api_context.hpp"
#include "http/router.hpp"

namespace acepool::http {

/// GET /events/live: the live feed as Server-Sent Events (api.md "Live events").
void add_live_events_routes(router& r, const api_context& ctx);

/// A Last-Event-ID value as an event id: decimal digits only, within 64 bits.
std::optional<uint64_t> parse_event_id(std::string_view text);

}  // namespace acepool::http
