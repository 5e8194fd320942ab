#pragma once

#include <memory>
#include <optional>
#include <string>

#include "actors/pool/engine_record.hpp"
#include "actors/relay/client_sink.hpp"
#include "actors/relay/hls_track.hpp"

namespace acepool::actors {

/// How an HLS request is answered; http/ implements it on the request's exchange. Either method
/// is called once, from any thread.
class hls_reply {
 public:
  virtual ~hls_reply() = default;
  /// The stream's HLS track, holding at least one segment: the request reads its answer there.
  virtual void ready(std::shared_ptr<relay::hls_track> track) = 0;
  /// The request cannot be served (JSON body).
  virtual void fail(const relay::hls_failure& failure) = 0;
};

/// What an HLS request (GET /ace/manifest.m3u8 or /ace/segment.ts) asks of its key's relay.
struct hls_ask {
  std::string viewer;                ///< who asks (counted as a client while asking)
  std::optional<uint64_t> sequence;  ///< a segment; none: the playlist
  std::shared_ptr<hls_reply> reply;
};

/// A client asking for a stream (GET /ace/getstream), validated by the HTTP layer.
struct relay_request {
  std::string key;       ///< the id value, or the infohash lower-cased
  std::string key_type;  ///< content_id or infohash
  /// The client's other query parameters, encoded, forwarded to the engine (never token/pid).
  std::string params;
  std::shared_ptr<relay::client_sink> client;  ///< an MPEG-TS client, or
  std::shared_ptr<hls_ask> hls;                ///< an HLS request
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
