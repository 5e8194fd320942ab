#include "http/events_handler.hpp"

#include "actors/messages.hpp"
#include "http/actor_bridge.hpp"
#include "http/json_body.hpp"
#include "http/stream_json.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/text_safety.hpp"

namespace acepool::http {

namespace {

using nlohmann::json;

void count_event(const api_context& ctx, const char* type, size_t n = 1) {
  if (ctx.metrics != nullptr && n > 0)
    ctx.metrics->counter(metrics::events_total, {{"type", type}}).inc(n);
}

/// `["body", <prefix...>, <loc...>]`.
json body_loc(std::initializer_list<json> prefix, const json& loc) {
  auto out = json::array({"body"});
  for (const auto& p : prefix)
    out.push_back(p);
  for (const auto& l : loc)
    out.push_back(l);
  return out;
}

response invalid(const json& loc, const std::string& msg) {
  validation_errors errors;
  errors.add(loc, msg, "value_error");
  return errors.to_response();
}

json end_result_json(const actors::stream_end_result& r) {
  return {{"updated", r.updated}, {"stream", r.stream ? stream_json(*r.stream) : json(nullptr)}};
}

void stream_started(const api_context& ctx, call& c) {
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  auto parsed = parse_stream_started(*body.value);
  if (!parsed.event) return c.reply.send(invalid(body_loc({}, parsed.loc), parsed.error));
  count_event(ctx, "stream_started");
  ask<actors::stream_record>(
      *ctx.system, ctx.registry, ctx.request_timeout(), c.reply,
      [](actors::stream_record& s) { return response::json(200, stream_json(s)); },
      actors::stream_started_atom::value, *parsed.event, actors::stream_source::event);
}

void stream_ended(const api_context& ctx, call& c) {
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  auto parsed = parse_stream_ended(*body.value);
  if (!parsed.event) return c.reply.send(invalid(body_loc({}, parsed.loc), parsed.error));
  count_event(ctx, "stream_ended");
  ask<actors::stream_end_result>(
      *ctx.system, ctx.registry, ctx.request_timeout(), c.reply,
      [](actors::stream_end_result& r) { return response::json(200, end_result_json(r)); },
      actors::stream_ended_atom::value, *parsed.event);
}

/// One item of a batch: the parsed event, or why it was refused.
template <class Event>
struct batch_item {
  std::optional<Event> event;
  std::string error;
};

/// Why a batch item was refused: `["engine","port"]: must be ...`, or the reason alone when the
/// item as a whole is wrong (not an object).
std::string item_error(const json& loc, const std::string& why) {
  return loc.empty() ? why : support::dump_json(loc) + ": " + why;
}

void batch(const api_context& ctx, call& c) {
  auto body = parse_json_object(*c.req);
  if (!body.value) return c.reply.send(body.error);
  for (const char* list : {"started", "ended"}) {
    if (body.value->contains(list) && !(*body.value)[list].is_array() &&
        !(*body.value)[list].is_null())
      return c.reply.send(invalid(json::array({"body", list}), "value is not a valid list"));
  }
  auto items = [&](const char* list) { return body.value->value(list, json::array()); };
  std::vector<batch_item<actors::stream_started_event>> started;
  std::vector<batch_item<actors::stream_ended_event>> ended;
  std::vector<actors::stream_started_event> valid_started;
  std::vector<actors::stream_ended_event> valid_ended;
  for (const auto& item : items("started")) {
    auto p = parse_stream_started(item);
    if (p.event) valid_started.push_back(*p.event);
    started.push_back({p.event, p.event ? "" : item_error(p.loc, p.error)});
  }
  for (const auto& item : items("ended")) {
    auto p = parse_stream_ended(item);
    if (p.event) valid_ended.push_back(*p.event);
    ended.push_back({p.event, p.event ? "" : item_error(p.loc, p.error)});
  }
  count_event(ctx, "stream_started", valid_started.size());
  count_event(ctx, "stream_ended", valid_ended.size());
  ask<actors::stream_batch_result>(
      *ctx.system, ctx.registry, ctx.request_timeout(), c.reply,
      [started, ended](actors::stream_batch_result& r) {
        auto out_started = json::array();
        size_t next = 0;
        for (const auto& item : started) {
          if (!item.event) {
            out_started.push_back({{"success", false}, {"error", item.error}});
            continue;
          }
          out_started.push_back({{"success", true}, {"stream_id", r.started.at(next++).id}});
        }
        auto out_ended = json::array();
        next = 0;
        for (const auto& item : ended) {
          if (!item.event) {
            out_ended.push_back({{"success", false}, {"updated", false}, {"error", item.error}});
            continue;
          }
          const auto& e = r.ended.at(next++);
          json entry{{"success", e.stream.has_value()}, {"updated", e.updated}};
          if (e.stream)
            entry["stream_id"] = e.stream->id;
          else
            entry["error"] = "unknown stream id";
          out_ended.push_back(std::move(entry));
        }
        return response::json(200, {{"started", out_started}, {"ended", out_ended}});
      },
      actors::stream_batch_atom::value, valid_started, valid_ended);
}

}  // namespace

void add_events_routes(router& r, const api_context& ctx) {
  r.add(method::post, "/events/stream_started", access::write,
        route_doc("events", "An external proxy started a stream")
            .body(schema_ref("StreamStartedEvent"), true)
            .returns(200, schema_ref("Stream"), "the stream (the existing one for a known id)"),
        [ctx](call& c) { stream_started(ctx, c); });
  r.add(method::post, "/events/stream_ended", access::write,
        route_doc("events", "An external proxy ended a stream")
            .explain("Ends exactly the named stream; an unknown id is `updated: false`.")
            .body(schema_ref("StreamEndedEvent"))
            .returns(200, schema_ref("StreamEndedResult"), "whether it ended now"),
        [ctx](call& c) { stream_ended(ctx, c); });
  r.add(method::post, "/events/batch", access::write,
        route_doc("events", "Several started and ended events, answered item by item")
            .body(schema_ref("EventBatch"))
            .returns(200, schema_ref("EventBatchResult"), "one result per item, in order"),
        [ctx](call& c) { batch(ctx, c); });
}

}  // namespace acepool::http
