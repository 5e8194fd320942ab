#include "actors/streams/stream_record.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "support/time_format.hpp"

namespace acepool::actors {

using nlohmann::json;

namespace {

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

const char* to_string(stream_source s) {
  return s == stream_source::relay ? "relay" : "event";
}

stream_source stream_source_from(const std::string& text) {
  return text == "relay" ? stream_source::relay : stream_source::event;
}

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
