#include "http/streams_handler.hpp"

#include <algorithm>

#include "actors/messages.hpp"
#include "actors/runtime/published_state.hpp"
#include "http/actor_bridge.hpp"
#include "http/json_body.hpp"
#include "http/stream_json.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

namespace {

using nlohmann::json;

response invalid_query(const char* name, const std::string& msg) {
  validation_errors errors;
  errors.add(json::array({"query", name}), msg, "value_error");
  return errors.to_response();
}

/// `since` as RFC 3339; an unencoded `+` of an offset arrives as a space.
std::optional<std::chrono::system_clock::time_point> parse_since(std::string text) {
  std::replace(text.begin(), text.end(), ' ', '+');
  return support::parse_rfc3339(text);
}

/// Whether stream `s` runs or ran on `container` (a full id, or a prefix of 12 or more).
bool on_container(const actors::stream_record& s, const std::optional<std::string>& container) {
  if (!container || container->empty()) return true;
  return s.container_id == *container ||
         (container->size() >= 12 && s.container_id.rfind(*container, 0) == 0);
}

/// GET /streams: `status=started|ended`, or every stream (the orchestrator's default), oldest
/// first.
void list_streams(const api_context& ctx, call& c) {
  auto status = c.query.get("status");
  if (status && *status != "started" && *status != "ended")
    return c.reply.send(invalid_query("status", "must be started or ended"));
  auto container = c.query.get("container_id");
  auto snap = ctx.published->streams.load();
  std::vector<const actors::stream_record*> picked;
  if (!status || *status == "ended")
    for (const auto& chunk : snap->ended)
      for (const auto& s : *chunk)
        if (on_container(*s, container)) picked.push_back(s.get());
  if (!status || *status == "started")
    for (const auto& s : snap->active)
      if (on_container(*s, container)) picked.push_back(s.get());
  if (!status)
    std::stable_sort(picked.begin(), picked.end(),
                     [](const auto* a, const auto* b) { return a->started_at < b->started_at; });
  auto out = json::array();
  for (const auto* s : picked)
    out.push_back(stream_json(*s));
  c.reply.send(response::json(200, out));
}

void stream_stats(const api_context& ctx, call& c) {
  int64_t since_ms = 0;
  if (auto since = c.query.get("since")) {
    auto t = parse_since(*since);
    if (!t)
      return c.reply.send(
          invalid_query("since", "must be an RFC 3339 timestamp, e.g. 2026-01-02T03:04:05Z"));
    since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  }
  ask<std::vector<actors::stats_snapshot>>(
      *ctx.system, ctx.registry, ctx.request_timeout(), c.reply,
      [](std::vector<actors::stats_snapshot>& items) {
        auto out = json::array();
        for (const auto& s : items)
          out.push_back(stats_json(s));
        return response::json(200, out);
      },
      actors::stream_history_atom::value, c.param("id"), since_ms);
}

void stop_stream(const api_context& ctx, call& c) {
  auto snap = ctx.published->streams.load();
  const auto* s = snap->find(c.param("id"));
  if (s == nullptr) return c.reply.send(response::error(404, "stream not found"));
  if (s->ended) return c.reply.send(response::error(409, "stream already ended"));
  ask<actors::stream_record>(
      *ctx.system, ctx.streams, ctx.long_timeout(), c.reply,
      [](actors::stream_record& r) {
        return response::json(200, {{"stopped", true}, {"stream", stream_json(r)}});
      },
      actors::stop_stream_atom::value, s->id, std::string("stopped_by_api"));
}

}  // namespace

void add_streams_routes(router& r, const api_context& ctx) {
  auto stream_id = [](route_doc doc) {
    return doc.path("id", string_schema(),
                    "the stream's id, percent-encoded (`%7C` for `|`, `%2F` for `/`)");
  };
  r.add(method::get, "/streams", access::read,
        route_doc("streams", "Streams, active and ended")
            .query("status", enum_schema({"started", "ended"}),
                   "started: active, by start time; ended: in the order they ended; none: every "
                   "stream kept, by start time")
            .query("container_id", string_schema(), "only this engine's (id or a 12+ prefix)")
            .returns(200, list_of("Stream"), "the streams"),
        [ctx](call& c) { list_streams(ctx, c); });
  r.add(method::get, "/streams/{id}", access::read,
        stream_id(route_doc("streams", "One stream"))
            .returns(200, schema_ref("Stream"), "the stream")
            .returns(404, schema_ref("Error"), "no such stream"),
        [ctx](call& c) {
          auto snap = ctx.published->streams.load();
          const auto* s = snap->find(c.param("id"));
          if (s == nullptr) return c.reply.send(response::error(404, "stream not found"));
          c.reply.send(response::json(200, stream_json(*s)));
        });
  r.add(method::del, "/streams/{id}", access::write,
        stream_id(route_doc("streams", "Stops a stream on its engine and ends it"))
            .returns(200, schema_ref("StreamStopped"), "ended, `end_reason` stopped_by_api")
            .returns(404, schema_ref("Error"), "no such stream")
            .returns(409, schema_ref("Error"), "ended already, or a stop is running"),
        [ctx](call& c) { stop_stream(ctx, c); });
  r.add(method::get, "/streams/{id}/stats", access::read,
        stream_id(route_doc("streams", "A stream's stats history, oldest first"))
            .query("since", schema_ref("DateTime"), "only snapshots after this time")
            .returns(200, list_of("StatsSnapshot"), "the snapshots")
            .returns(404, schema_ref("Error"), "no such stream"),
        [ctx](call& c) { stream_stats(ctx, c); });
}

}  // namespace acepool::http
