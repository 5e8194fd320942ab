#include "http/stream_json.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include "support/text_safety.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

using actors::stats_snapshot;
using actors::stream_ended_event;
using actors::stream_record;
using actors::stream_started_event;
using nlohmann::json;

namespace {

json opt(const std::optional<int64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

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
          {"source", actors::to_string(s.source)},
          {"peers", l ? opt(l->peers) : json(nullptr)},
          {"speed_down", l ? opt(l->speed_down) : json(nullptr)},
          {"speed_up", l ? opt(l->speed_up) : json(nullptr)},
          {"downloaded", l ? opt(l->downloaded) : json(nullptr)},
          {"uploaded", l ? opt(l->uploaded) : json(nullptr)}};
}

namespace {

// A stream's text becomes a record in memory and on disk, a log line and a live-feed event:
// bounded, so a small request cannot cost megabytes several times over. Far above real values
// (ids of 40 hex digits, URLs of a few hundred bytes, magnet links of a few kB).
constexpr size_t max_key_bytes = 8192;
constexpr size_t max_url_bytes = 4096;
constexpr size_t max_id_bytes = 256;
constexpr size_t max_labels = 32;
constexpr size_t max_label_bytes = 256;

/// The first field of `e` over its limit or holding control characters, as (loc, message).
/// Control characters: the stream's id (`key|playback_session_id`) and its engine's name go into
/// URL paths (/streams/{id}, which refuses them), log lines and the panel.
std::optional<std::pair<json, std::string>> unfit_field(const stream_started_event& e) {
  std::pair<json, const std::string*> texts[] = {
      {{"stream", "key"}, &e.key},
      {{"session", "playback_session_id"}, &e.playback_session_id},
      {{"engine", "host"}, &e.engine_host},
      {{"session", "stat_url"}, &e.stat_url},
      {{"session", "command_url"}, &e.command_url}};
  for (const auto& [loc, text] : texts)
    if (support::has_control_chars(*text))
      return std::make_pair(loc, std::string("must not contain control characters"));
  if (e.container_id && support::has_control_chars(*e.container_id))
    return std::make_pair(json{"container_id"}, std::string("must not contain control characters"));
  auto over = [](const std::string& v, size_t max) { return v.size() > max; };
  auto limit = [](json loc, size_t max) {
    return std::make_pair(std::move(loc), "at most " + std::to_string(max) + " bytes");
  };
  if (over(e.key, max_key_bytes)) return limit({"stream", "key"}, max_key_bytes);
  if (e.container_id && over(*e.container_id, max_id_bytes))
    return limit({"container_id"}, max_id_bytes);
  if (over(e.engine_host, max_id_bytes)) return limit({"engine", "host"}, max_id_bytes);
  if (over(e.playback_session_id, max_id_bytes))
    return limit({"session", "playback_session_id"}, max_id_bytes);
  if (over(e.stat_url, max_url_bytes)) return limit({"session", "stat_url"}, max_url_bytes);
  if (over(e.command_url, max_url_bytes)) return limit({"session", "command_url"}, max_url_bytes);
  return std::nullopt;
}

}  // namespace

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
    if (body["labels"].size() > max_labels)
      return fail({"labels"}, "at most " + std::to_string(max_labels) + " labels");
    for (const auto& [k, v] : body["labels"].items()) {
      if (!v.is_string()) return fail({"labels", k}, "str type expected");
      if (k.size() > max_label_bytes || v.get_ref<const std::string&>().size() > max_label_bytes)
        return fail({"labels", k}, "label names and values are at most " +
                                       std::to_string(max_label_bytes) + " bytes");
      e.labels[k] = v.get<std::string>();
    }
  }
  if (auto unfit = unfit_field(e)) return fail(unfit->first, unfit->second);
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

}  // namespace acepool::http
