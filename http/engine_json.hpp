#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/runtime/published_state.hpp"

// The Engine object of the HTTP API (docs/api.md "Shared objects").
namespace acepool::http {

/// The Engine object; `advertise_host` (ENGINE_ADVERTISE_HOST) replaces `host` when set.
nlohmann::json engine_json(const actors::engine_record& e,
                           const std::optional<std::string>& advertise_host);

/// The /engines body of a snapshot: rendered by the first reader of its version, shared by
/// every later one.
const std::string& engines_body(const actors::engines_snapshot& snapshot);

}  // namespace acepool::http
