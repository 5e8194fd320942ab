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

/// `id` / `infohash` / `pid` as acexy reads them.
route_doc with_stream_key(route_doc doc) {
  return doc.query("id", string_schema(), "the content id (one of id and infohash)")
      .query("infohash", string_schema(), "the infohash, any case (one of id and infohash)")
      .query("pid", string_schema(),
             "refused beside id or infohash (acexy's rule: acepool chooses the engine session)");
}

route_doc relay_doc() {
  return with_stream_key(route_doc("relay", "The live MPEG-TS stream of id or infohash"))
      .explain(
          "acexy's endpoint. Clients of one key share one engine session; the engine is "
          "chosen (or started) by acepool, which fails over to another on loss. Other query "
          "parameters are passed to the engine.")
      .query("token", string_schema(), "STREAM_TOKEN, when set (players cannot send headers)")
      .returns(200, {{"type", "string"}, {"contentMediaType", "video/mp2t"}},
               "the stream, chunked, until the client leaves or the stream ends", "video/MP2T")
      .returns(400, schema_ref("Error"), "neither or both of id and infohash, or pid")
      .returns(401, schema_ref("Error"), "STREAM_TOKEN is set: token missing or wrong")
      .returns(502, schema_ref("Error"), "the engine's stream failed before the first byte")
      .returns(503, {{"anyOf", {schema_ref("ProvisioningError"), schema_ref("Error")}}},
               "no engine could be had (with `Retry-After` when known), too many clients, or "
               "shutting down")
      .with_header("Retry-After", "seconds until an engine may be had, when known")
      .returns(504, schema_ref("ProvisioningError"), "provisioning timed out");
}

}  // namespace

void add_relay_routes(router& r, const api_context& ctx) {
  for (const char* path : {"/ace/getstream", "/ace/getstream/"})
    r.add_stream(path, access::open, relay_doc(), [ctx](call& c) { get_stream(ctx, c); });
  r.add(method::get, "/ace/status", access::open,
        with_stream_key(route_doc("relay", "The relay: every stream, or one key's relay"))
            .returns(200, {{"anyOf", {schema_ref("RelayOverview"), schema_ref("RelayStatus")}}},
                     "without a key: counts; with one: its relay")
            .returns(400, schema_ref("Error"), "both id and infohash, or pid")
            .returns(404, schema_ref("Error"), "no relay runs this key"),
        [ctx](call& c) { stream_status(ctx, c); });
}

std::shared_ptr<router> make_relay_router(const api_context& ctx) {
  auto r = std::make_shared<router>(make_router_options(ctx), ctx.metrics);
  add_relay_routes(*r, ctx);
  return r;
}

}  // namespace acepool::http
