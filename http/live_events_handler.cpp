#include "http/live_events_handler.hpp"

#include <charconv>
#include <limits>

#include "actors/runtime/published_state.hpp"
#include "config/settings_loader.hpp"
#include "config/value_parsers.hpp"
#include "http/live_subscriber.hpp"

namespace acepool::http {

std::optional<uint64_t> parse_event_id(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {

void follow(support::live_feed& feed, size_t max_subscribers, call& c) {
  // Where to start: the id a reconnecting EventSource sends, `?after=` for a client that read
  // the state first and cannot set headers, else only what happens from now on.
  std::optional<std::string_view> given = c.req->header("Last-Event-ID");
  const char* name = "Last-Event-ID";
  auto after_param = c.query.get("after");
  if (!given && after_param) {
    given = *after_param;
    name = "after";
  }
  uint64_t after = feed.last_id();
  if (given) {
    auto id = parse_event_id(config::trim(*given));
    if (!id)
      return c.reply.send(response::error(
          400, std::string(name) + " must be an event id: decimal digits, at most 20"));
    after = *id;
  }
  auto place = feed.join(max_subscribers);
  if (!place)
    return c.reply.send(
        response::error(503, "LIVE_EVENTS_MAX_SUBSCRIBERS (" + std::to_string(max_subscribers) +
                                 ") subscribers follow the live feed already; retry shortly"));
  std::make_shared<live_subscriber>(c.reply.shared_exchange(), feed, after, std::move(place))
      ->start();
}

}  // namespace

void add_live_events_routes(router& r, const api_context& ctx) {
  auto* published = ctx.published;
  auto max = static_cast<size_t>(ctx.config->values.service.live_max_subscribers);
  r.add_stream(
      "/events/live", access::read,
      route_doc("events", "Server-Sent Events of every state change")
          .explain("Each event is one JSON object with a `type`; ids increase. "
                   "`Last-Event-ID` (or `?after=`) resumes from the backlog; a comment "
                   "line every LIVE_EVENTS_HEARTBEAT_S. See docs/api.md \"Live events\".")
          .header("Last-Event-ID", {{"type", "string"}, {"pattern", "^[ \\t]*[0-9]{1,20}[ \\t]*$"}},
                  "resume after this event id (an EventSource sends it on reconnect)")
          .query("after",
                 {{"type", "integer"},
                  {"minimum", 0},
                  {"maximum", std::numeric_limits<uint64_t>::max()}},
                 "the same, for clients that cannot send headers")
          .returns(200, string_schema(), "the event stream", "text/event-stream")
          .returns(400, schema_ref("Error"), "an event id that is not one")
          .returns(503, schema_ref("Error"), "LIVE_EVENTS_MAX_SUBSCRIBERS reached"),
      [published, max](call& c) { follow(published->feed, max, c); });
}

}  // namespace acepool::http
