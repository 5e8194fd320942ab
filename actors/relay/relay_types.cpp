#include "actors/relay/relay_types.hpp"

#include <nlohmann/json.hpp>

#include "support/text_safety.hpp"

namespace acepool::actors {

session_answer parse_session_answer(int status, const std::string& body) {
  session_answer a;
  if (status == 0) {
    a.error = "engine did not answer";
    return a;
  }
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) {
    a.error = "engine answered HTTP " + std::to_string(status) + " without JSON";
    return a;
  }
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    // Any error but null is a failure, also an empty one (an empty text would read as success).
    a.error = e->is_string() ? e->get<std::string>() : support::dump_json(*e);
    if (a.error.empty()) a.error = "engine reported an empty error";
    return a;
  }
  auto r = j.find("response");
  if (r == j.end() || !r->is_object()) {
    a.error = "engine answer has no response object";
    return a;
  }
  auto text = [&](const char* name) {
    auto it = r->find(name);
    return it != r->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  a.playback_url = text("playback_url");
  a.stat_url = text("stat_url");
  a.command_url = text("command_url");
  a.playback_session_id = text("playback_session_id");
  if (auto live = r->find("is_live"); live != r->end())
    a.is_live = live->is_boolean() ? live->get<bool>() : (live->is_number() && *live != 0);
  if (a.playback_url.empty()) a.error = "engine answer has no playback_url";
  if (status != 200 && a.error.empty()) a.error = "engine answered HTTP " + std::to_string(status);
  return a;
}

}  // namespace acepool::actors
