#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "actors/streams/stream_record.hpp"

// The JSON of streams on the HTTP API: the Stream and Stats snapshot objects acepool answers,
// and the /events bodies it reads (docs/api.md).
namespace acepool::http {

/// The Stream object of docs/api.md.
nlohmann::json stream_json(const actors::stream_record& s);
/// The Stats snapshot object of docs/api.md.
nlohmann::json stats_json(const actors::stats_snapshot& s);

/// Parses a stream_started item; the error (with its JSON location) when it is invalid.
struct started_parse {
  std::optional<actors::stream_started_event> event;
  std::string error;
  nlohmann::json loc;
};
started_parse parse_stream_started(const nlohmann::json& body);

/// Parses a stream_ended item; the error when it is invalid (wrong types).
struct ended_parse {
  std::optional<actors::stream_ended_event> event;
  std::string error;
  nlohmann::json loc;
};
ended_parse parse_stream_ended(const nlohmann::json& body);

}  // namespace acepool::http
