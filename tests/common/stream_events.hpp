#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"

namespace acepool::testing {

/// The body of POST /events/stream_started as an external proxy (acexy) sends it after it opened
/// `session` (an engine's getstream response) for content `key` on the engine at `host`:`port`.
nlohmann::json started_event(const std::string& host, uint16_t port, const std::string& key,
                             const nlohmann::json& session);

/// `/streams/<id>` with the id percent-encoded (ids contain `|`), plus `suffix`.
std::string stream_path(const std::string& id, const std::string& suffix = "");

/// What acexy does for a new stream: open a session for `key` on the engine published on
/// 127.0.0.1:`engine_port`, then report it with host `localhost`. The reply to the event.
http_reply report_stream(const acepool_process& ace, uint16_t engine_port, const std::string& key);

}  // namespace acepool::testing
