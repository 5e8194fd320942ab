#include "actors/stream_record.hpp"

#include <algorithm>

#include "support/time_format.hpp"

namespace acepool::actors {

using nlohmann::json;

namespace {

json opt(const std::optional<int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

std::optional<int64_t> number_field(const json& obj, const char* key) {
  if (!obj.contains(key) || !obj[key].is_number()) return std::nullopt;
  // An engine's numbers are small; anything beyond ±2^53 (or NaN) is not one of them, and
  // casting an out-of-range double to an integer is undefined.
  constexpr double limit = 9007199254740992.0;
  auto v = obj[key].get<double>();
  if (!(v >= -limit && v <= limit)) return std::nullopt;
  return static_cast<int64_t>(v);
}

bool is_loopback_name(const std::string& host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1";
}

}  // namespace

const std::vector<std::string>& end_reasons() {
  static const std::vector<std::string> reasons{
      "client_disconnect",     "stopped_by_api", "upstream_failed", "engine_removed",
      "stale_stream_detected", "ended_by_event", "shutdown"};
  return reasons;
}

std::string normalize_end_reason(const std::string& reason) {
  const auto& r = end_reasons();
  return std::find(r.begin(), r.end(), reason) != r.end() ? reason : "ended_by_event";
}

json stats_json(const stats_snapshot& s) {
  return {{"ts", support::format_rfc3339(s.ts)},
          {"peers", opt(s.peers)},
          {"speed_down", opt(s.speed_down)},
          {"speed_up", opt(s.speed_up)},
          {"downloaded", opt(s.downloaded)},
          {"uploaded", opt(s.uploaded)},
          {"status", s.status ? json(*s.status) : json(nullptr)}};
}

json stream_json(const stream_record& s) {
  const auto& l = s.latest;
  return {{"id", s.id},
          {"key_type", s.key_type},
          {"key", s.key},
          {"container_id", s.container_id},
          {"playback_session_id", s.playback_session_id},
          {"stat_url", s.stat_url},
          {"command_url", s.command_url},
          {"is_live", s.is_live},
          {"started_at", support::format_rfc3339(s.started_at)},
          {"ended_at", support::rfc3339_or_null(s.ended_at)},
          {"status", s.ended ? "ended" : "started"},
          {"end_reason", s.end_reason ? json(*s.end_reason) : json(nullptr)},
          {"clients", s.clients},
          {"source", s.source},
          {"peers", l ? opt(l->peers) : json(nullptr)},
          {"speed_down", l ? opt(l->speed_down) : json(nullptr)},
          {"speed_up", l ? opt(l->speed_up) : json(nullptr)},
          {"downloaded", l ? opt(l->downloaded) : json(nullptr)},
          {"uploaded", l ? opt(l->uploaded) : json(nullptr)}};
}

started_parse parse_stream_started(const json& body) {
  started_parse out;
  auto fail = [&](json loc, std::string why) {
    out.loc = std::move(loc);
    out.error = std::move(why);
    return out;
  };
  if (!body.is_object()) return fail(json::array(), "value is not a valid dict");
  stream_started_event e;
  if (body.contains("container_id") && !body["container_id"].is_null()) {
    if (!body["container_id"].is_string()) return fail({"container_id"}, "str type expected");
    e.container_id = body["container_id"].get<std::string>();
  }
  const auto& engine = body.value("engine", json::object());
  if (!engine.is_object()) return fail({"engine"}, "value is not a valid dict");
  if (!engine.contains("host") || !engine["host"].is_string())
    return fail({"engine", "host"}, "field required (str)");
  if (!engine.contains("port") || !engine["port"].is_number_integer() ||
      engine["port"].get<int64_t>() < 1 || engine["port"].get<int64_t>() > 65535)
    return fail({"engine", "port"}, "field required (integer 1-65535)");
  e.engine_host = engine["host"].get<std::string>();
  e.engine_port = static_cast<uint16_t>(engine["port"].get<int64_t>());
  const auto& stream = body.value("stream", json());
  if (!stream.is_object()) return fail({"stream"}, "field required (dict)");
  static const std::vector<std::string> key_types{"content_id", "infohash", "url", "magnet"};
  if (!stream.contains("key_type") || !stream["key_type"].is_string() ||
      std::find(key_types.begin(), key_types.end(), stream["key_type"].get<std::string>()) ==
          key_types.end())
    return fail({"stream", "key_type"}, "must be one of content_id, infohash, url, magnet");
  if (!stream.contains("key") || !stream["key"].is_string() ||
      stream["key"].get<std::string>().empty())
    return fail({"stream", "key"}, "field required (non-empty str)");
  e.key_type = stream["key_type"].get<std::string>();
  e.key = stream["key"].get<std::string>();
  const auto& session = body.value("session", json());
  if (!session.is_object()) return fail({"session"}, "field required (dict)");
  for (const char* k : {"playback_session_id", "stat_url", "command_url"})
    if (!session.contains(k) || !session[k].is_string())
      return fail({"session", k}, "field required (str)");
  e.playback_session_id = session["playback_session_id"].get<std::string>();
  e.stat_url = session["stat_url"].get<std::string>();
  e.command_url = session["command_url"].get<std::string>();
  for (const auto* url : {&e.stat_url, &e.command_url})
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
      return fail({"session", url == &e.stat_url ? "stat_url" : "command_url"},
                  "must be an http(s) URL");
  if (session.contains("is_live")) {
    const auto& live = session["is_live"];
    if (live.is_boolean())
      e.is_live = live.get<bool>();
    else if (live.is_number_integer())
      e.is_live = live.get<int64_t>() != 0;
    else
      return fail({"session", "is_live"}, "must be 0 or 1");
  }
  if (body.contains("labels") && !body["labels"].is_null()) {
    if (!body["labels"].is_object()) return fail({"labels"}, "value is not a valid dict");
    for (const auto& [k, v] : body["labels"].items()) {
      if (!v.is_string()) return fail({"labels", k}, "str type expected");
      e.labels[k] = v.get<std::string>();
    }
  }
  out.event = std::move(e);
  return out;
}

ended_parse parse_stream_ended(const json& body) {
  ended_parse out;
  if (!body.is_object()) {
    out.error = "value is not a valid dict";
    out.loc = json::array();
    return out;
  }
  stream_ended_event e;
  for (auto [key, target] :
       {std::pair<const char*, std::optional<std::string>*>{"container_id", &e.container_id},
        {"stream_id", &e.stream_id},
        {"reason", &e.reason}}) {
    if (!body.contains(key) || body[key].is_null()) continue;
    if (!body[key].is_string()) {
      out.error = "str type expected";
      out.loc = {key};
      return out;
    }
    *target = body[key].get<std::string>();
  }
  out.event = std::move(e);
  return out;
}

std::string stream_id_of(const stream_started_event& e) {
  if (auto it = e.labels.find("stream_id"); it != e.labels.end() && !it->second.empty())
    return it->second;
  return e.key + "|" + e.playback_session_id;
}

const engine_record* match_engine(const std::vector<const engine_record*>& engines,
                                  const std::optional<std::string>& container_id,
                                  const std::string& host, uint16_t port) {
  if (container_id && !container_id->empty()) {
    for (const auto* e : engines)
      if (engine_matches(*e, *container_id)) return e;
  }
  for (const auto* e : engines)
    if (e->host == host && e->port == port) return e;
  // A proxy on the engines' Docker network reaches them by container name and container port.
  for (const auto* e : engines)
    if (!e->container_name.empty() && e->container_name == host && e->container_http_port == port)
      return e;
  if (is_loopback_name(host)) {
    const engine_record* found = nullptr;
    for (const auto* e : engines) {
      if (e->port != port) continue;
      if (found != nullptr) return nullptr;  // ambiguous: never guess
      found = e;
    }
    return found;
  }
  return nullptr;
}

stat_answer parse_stat_answer(const std::string& body, std::chrono::system_clock::time_point now) {
  stat_answer out;
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object()) return out;
  const auto& response = j.value("response", json());
  const auto& error = j.value("error", json());
  if (response.is_null()) {
    out.unknown_session =
        error.is_string() && error.get<std::string>() == "unknown playback session id";
    return out;
  }
  if (!response.is_object()) return out;
  stats_snapshot s;
  s.ts = now;
  s.peers = number_field(response, "peers");
  s.speed_down = number_field(response, "speed_down");
  s.speed_up = number_field(response, "speed_up");
  s.downloaded = number_field(response, "downloaded");
  s.uploaded = number_field(response, "uploaded");
  if (response.contains("status") && response["status"].is_string())
    s.status = response["status"].get<std::string>();
  out.snapshot = s;
  return out;
}

std::string reachable_url(const std::string& url, const engine_record* engine) {
  if (engine == nullptr) return url;
  size_t authority = 0;
  for (std::string_view scheme : {"http://", "https://"})
    if (url.compare(0, scheme.size(), scheme) == 0) authority = scheme.size();
  // With a known engine the URL can only ever point at that engine: anything else is no URL.
  if (authority == 0 || engine->port == 0) return {};
  auto path = url.find_first_of("/?#", authority);
  auto rest = path == std::string::npos ? std::string() : url.substr(path);
  return "http://" + engine->host + ":" + std::to_string(engine->port) + rest;
}

std::string stop_url(const std::string& command_url) {
  return command_url + (command_url.find('?') == std::string::npos ? "?" : "&") + "method=stop";
}

}  // namespace acepool::actors
