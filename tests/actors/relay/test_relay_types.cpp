#include <catch2/catch.hpp>

#include "actors/relay/relay_types.hpp"

using namespace acepool::actors;

TEST_CASE("an engine's getstream answer is a session only with a playback URL and no error") {
  auto ok = parse_session_answer(
      200,
      R"({"response":{"playback_url":"http://e/r","stat_url":"http://e/s","command_url":"http://e/c","playback_session_id":"p","is_live":0},"error":null})");
  CHECK(ok.error.empty());
  CHECK(ok.playback_url == "http://e/r");
  CHECK(ok.playback_session_id == "p");
  CHECK_FALSE(ok.is_live);
  struct probe {
    int status;
    const char* body;
    const char* error;
  };
  for (const auto& p :
       {probe{200, R"({"response":null,"error":"Failed to start"})", "Failed to start"},
        // found by fuzzing: an empty error text once read as success
        probe{200, R"({"response":null,"error":""})", "engine reported an empty error"},
        probe{200, R"({"response":null,"error":{"code":5}})", R"({"code":5})"},
        probe{200, R"({"error":null})", "engine answer has no response object"},
        probe{200, R"({"response":{},"error":null})", "engine answer has no playback_url"},
        probe{503, "busy", "engine answered HTTP 503 without JSON"},
        probe{0, "", "engine did not answer"}}) {
    INFO(p.body);
    CHECK(parse_session_answer(p.status, p.body).error == p.error);
  }
}
