#include "http/relay_handler.hpp"

#include <algorithm>
#include <cctype>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "config/settings_loader.hpp"
#include "http/actor_bridge.hpp"
#include "http/api_routes.hpp"
#include "http/query_string.hpp"
#include "http/relay_client.hpp"

namespace acepool::http {

namespace {

/// The stream a request names: key, key type and the query forwarded to the engine; or the
/// acexy-compatible 400 answer.
struct stream_ask {
  std::string key, key_type, engine_query;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return s;
}

std::optional<response> parse_stream_ask(const query_params& q, stream_ask& out) {
  auto id = q.get("id").value_or("");
  auto infohash = q.get("infohash").value_or("");
  if (id.empty() && infohash.empty())
    return response::error(400, "one of 'id' or 'infohash' must have a value");
  if (!id.empty() && !infohash.empty())
    return response::error(400, "only one of 'id' or 'infohash' can have a value");
  if (q.has("pid")) return response::error(400, "PID parameter is not allowed");
  out.key_type = id.empty() ? "infohash" : "content_id";
  out.key = id.empty() ? lower(infohash) : id;
  out.engine_query = (id.empty() ? "infohash=" : "id=") + percent_encode(out.key);
  for (const auto& [name, value] : q.items()) {
    if (name == "id" || name == "infohash" || name == "token") continue;
    out.engine_query += "&" + percent_encode(name) + "=" + percent_encode(value);
  }
  return std::nullopt;
}

/// STREAM_TOKEN: players cannot send headers, so the token comes as `?token=`.
std::optional<response> check_token(const api_context& ctx, const query_params& q) {
  const auto& token = ctx.config->values.service.stream_token;
  if (!token) return std::nullopt;
  auto given = q.get("token");
  if (given && constant_time_equals(*given, *token)) return std::nullopt;
  return response::error(401, given ? "invalid stream token" : "stream token required");
}

void get_stream(const api_context& ctx, call& c) {
  if (auto denied = check_token(ctx, c.query)) return c.reply.send(std::move(*denied));
  stream_ask wanted;
  if (auto bad = parse_stream_ask(c.query, wanted)) return c.reply.send(std::move(*bad));
  if (!ctx.streams) return c.reply.send(response::error(503, "service is shutting down"));
  actors::relay_request req;
  req.key = std::move(wanted.key);
  req.key_type = std::move(wanted.key_type);
  req.params = std::move(wanted.engine_query);
  req.client = std::make_shared<relay_client>(c.reply.shared_exchange());
  caf::anon_send(ctx.streams, actors::open_stream_atom::value, std::move(req));
}

void stream_status(const api_context& ctx, call& c) {
  std::string key;
  if (c.query.has("id") || c.query.has("infohash")) {
    stream_ask wanted;
    if (auto bad = parse_stream_ask(c.query, wanted)) return c.reply.send(std::move(*bad));
    key = wanted.key;
  }
  ask<std::string>(
      *ctx.system, ctx.streams, ctx.request_timeout(), c.reply,
      [](std::string& body) {
        if (body.empty()) return response::error(404, "stream not found");
        response r;
        r.body = std::move(body);
        return r;
      },
      actors::relay_status_atom::value, key);
}

}  // namespace

void add_relay_routes(router& r, const api_context& ctx) {
  for (const char* path : {"/ace/getstream", "/ace/getstream/"})
    r.add_stream(path, access::open, [ctx](call& c) { get_stream(ctx, c); });
  r.add(method::get, "/ace/status", access::open, [ctx](call& c) { stream_status(ctx, c); });
}

std::shared_ptr<router> make_relay_router(const api_context& ctx) {
  auto r = std::make_shared<router>(make_router_options(ctx), ctx.metrics);
  add_relay_routes(*r, ctx);
  return r;
}

}  // namespace acepool::http
