#pragma once

#include <memory>
#include <optional>
#include <string>

#include "actors/pool/engine_record.hpp"
#include "actors/relay/client_sink.hpp"

namespace acepool::actors {

/// A client asking for a stream (GET /ace/getstream), validated by the HTTP layer.
struct relay_request {
  std::string key;       ///< the id value, or the infohash lower-cased
  std::string key_type;  ///< content_id or infohash
  /// The client's other query parameters, encoded, forwarded to the engine (never token/pid).
  std::string params;
  std::shared_ptr<relay::client_sink> client;
};

/// An engine for a new session (the reply to select_engine_atom); nothing when none is free.
struct engine_choice {
  std::optional<engine_record> engine;
};

/// The engine session a relay stream runs on now (failover replaces it).
struct relay_session {
  std::string container_id;
  std::string playback_session_id;
  std::string stat_url;
  std::string command_url;
};

/// The engine session an engine's getstream answer describes (`format=json`).
struct session_answer {
  std::string playback_url, stat_url, command_url, playback_session_id;
  bool is_live = true;
  std::string error;  ///< non-empty: a start failure
};

/// Parses `{"response":{...},"error":null}`; a non-null error or malformed JSON is a failure.
session_answer parse_session_answer(int status, const std::string& body);

}  // namespace acepool::actors
