#include "tests/common/stream_events.hpp"

#include <curl/curl.h>

#include <catch2/catch.hpp>

#include "tests/common/engine_endpoint.hpp"

namespace acepool::testing {

using nlohmann::json;

json started_event(const std::string& host, uint16_t port, const std::string& key,
                   const json& session) {
  return {{"engine", {{"host", host}, {"port", port}}},
          {"stream", {{"key_type", "content_id"}, {"key", key}}},
          {"session",
           {{"playback_session_id", session["playback_session_id"]},
            {"stat_url", session["stat_url"]},
            {"command_url", session["command_url"]},
            {"is_live", session["is_live"]}}}};
}

std::string stream_path(const std::string& id, const std::string& suffix) {
  char* escaped = curl_easy_escape(nullptr, id.c_str(), static_cast<int>(id.size()));
  std::string out = "/streams/" + std::string(escaped) + suffix;
  curl_free(escaped);
  return out;
}

http_reply report_stream(const acepool_process& ace, uint16_t engine_port, const std::string& key) {
  auto session = engine_endpoint(engine_port).start_session(key);
  REQUIRE(session.is_object());
  return ace.post("/events/stream_started",
                  started_event("localhost", engine_port, key, session).dump());
}

}  // namespace acepool::testing
