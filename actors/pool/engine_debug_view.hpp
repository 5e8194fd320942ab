#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/pool/engine_record.hpp"
#include "actors/pool/engine_table.hpp"
#include "actors/streams/stream_book.hpp"

namespace acepool::actors {

/// One engine as /debug/actors/engine_registry shows it: what the registry decides with and
/// /engines does not show (the address acepool reaches it on whatever ENGINE_ADVERTISE_HOST
/// says, its container ports, its host HTTPS port), named by id, name, state and `streams` (its
/// active streams). The API's Engine document is http/engine_json's alone.
nlohmann::json engine_debug_view(const engine_record& e, const std::vector<std::string>& streams);

/// The registry's tables as /debug/actors/engine_registry shows them: every engine
/// (engine_debug_view), the unadoptable containers, claims, relay reservations and the number of
/// active streams.
nlohmann::json registry_debug_view(const engine_table& table, const stream_book& book);

}  // namespace acepool::actors
