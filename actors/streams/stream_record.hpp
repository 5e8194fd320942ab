#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool/engine_record.hpp"

namespace acepool::actors {

/// One stats snapshot of a stream (docs/api.md "Stats snapshot").
struct stats_snapshot {
  std::chrono::system_clock::time_point ts{};
  std::optional<int64_t> peers, speed_down, speed_up, downloaded, uploaded;
  std::optional<std::string> status;
};

/// Who runs a stream: acepool's own relay, or an external proxy that reported it by event.
enum class stream_source { event, relay };

/// `event` or `relay`.
const char* to_string(stream_source s);
/// The source named `text`; `event` for anything else (a database row written by a newer
/// version must still load).
stream_source stream_source_from(const std::string& text);

/// One stream, run by acepool's relay or reported by an external proxy (docs/api.md "Stream").
struct stream_record {
  std::string id;
  std::string key_type;  ///< content_id, infohash, url, magnet
  std::string key;
  std::string container_id;
  std::string playback_session_id;
  std::string stat_url;
  std::string command_url;
  bool is_live = true;
  std::chrono::system_clock::time_point started_at{};
  std::optional<std::chrono::system_clock::time_point> ended_at;
  bool ended = false;
  std::optional<std::string> end_reason;
  int clients = 0;
  stream_source source = stream_source::event;
  std::map<std::string, std::string> labels;
  std::optional<stats_snapshot> latest;
};

/// The closed list of end reasons (docs/behaviour.md §7).
const std::vector<std::string>& end_reasons();
/// The given reason when it is one of end_reasons(), else `ended_by_event`.
std::string normalize_end_reason(const std::string& reason);

/// POST /events/stream_started, validated.
struct stream_started_event {
  std::optional<std::string> container_id;
  std::string engine_host;
  uint16_t engine_port = 0;
  std::string key_type;
  std::string key;
  std::string playback_session_id;
  std::string stat_url;
  std::string command_url;
  bool is_live = true;
  std::map<std::string, std::string> labels;
};

/// POST /events/stream_ended.
struct stream_ended_event {
  std::optional<std::string> container_id;
  std::optional<std::string> stream_id;
  std::optional<std::string> reason;
};

/// The stream id of a started event: `labels.stream_id`, else `<key>|<playback_session_id>`.
std::string stream_id_of(const stream_started_event& e);

/// The engine an event names: by container id, then host + port, then port alone when the host
/// is `localhost` or `127.0.0.1` (how acexy reports engines). Null when none matches.
const engine_record* match_engine(const std::vector<const engine_record*>& engines,
                                  const std::optional<std::string>& container_id,
                                  const std::string& host, uint16_t port);

/// What an engine's stat URL answered.
struct stat_answer {
  std::optional<stats_snapshot> snapshot;  ///< a live session's numbers
  bool unknown_session = false;  ///< `{"response":null,"error":"unknown playback session id"}`
};
stat_answer parse_stat_answer(const std::string& body, std::chrono::system_clock::time_point now);

/// `url` with its scheme and authority replaced by `http://` and the address acepool reaches
/// `engine` on (an external proxy reports URLs as it reaches the engine, e.g. `localhost:6878`
/// inside its own network namespace), so the URL can only ever reach that engine; empty when the
/// URL is not http(s). `url` unchanged when `engine` is null (callers never call such a URL).
std::string reachable_url(const std::string& url, const engine_record* engine);

/// The engine's command URL with `method=stop` added.
std::string stop_url(const std::string& command_url);

}  // namespace acepool::actors
