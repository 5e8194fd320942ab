#include "http/relay_handler.hpp"

#include <algorithm>
#include <cctype>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "config/settings_loader.hpp"
#include "http/actor_bridge.hpp"
#include "http/api_routes.hpp"
#include "http/hls_answer.hpp"
#include "http/query_string.hpp"
#include "http/relay_client.hpp"
#include "http/request_parser.hpp"
#include "web/embedded_assets.hpp"

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

/// Query parameters acepool reads itself on HLS routes; never forwarded to the engine.
bool is_own_parameter(const std::string& name, bool hls) {
  return name == "id" || name == "infohash" || name == "token" ||
         (hls && (name == "v" || name == "seq"));
}

std::optional<response> parse_stream_ask(const query_params& q, stream_ask& out, bool hls = false) {
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
    if (is_own_parameter(name, hls)) continue;
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

/// Who asks, for counting HLS viewers: the `v` the playlist gave its segment URIs, or for the
/// playlist itself a hash of the client's address, User-Agent and key (a player asks again with
/// the same, so a viewer stays one viewer without a cookie or a redirect). Two identical players
/// behind one address count as one.
std::optional<std::string> hls_viewer(const call& c, const std::string& key, std::string& bad) {
  if (auto v = c.query.get("v")) {
    if (v->size() > 32 || !is_hex_digits(*v)) {
      bad = "must be 1 to 32 hexadecimal digits, as the playlist gives it";
      return std::nullopt;
    }
    return lower(std::string(*v));
  }
  auto tag = web::content_etag(c.req->peer_address + "\n" +
                               std::string(c.req->header("User-Agent").value_or("")) + "\n" + key);
  return tag.substr(1, tag.size() - 2);
}

/// What a playlist's segment URIs carry besides `seq`: the key, the viewer and the token.
std::string segment_query(const call& c, const actors::relay_request& req,
                          const std::string& viewer) {
  // Relative to the playlist's URL: from /ace/getstream/ (a trailing slash), one level up.
  std::string q = std::string(!c.req->path.empty() && c.req->path.back() == '/' ? "../" : "") +
                  "segment.ts?" + (req.key_type == "infohash" ? "infohash=" : "id=") +
                  percent_encode(req.key) + "&v=" + viewer;
  if (auto token = c.query.get("token")) q += "&token=" + percent_encode(std::string(*token));
  return q;
}

/// `seq` as a segment number (decimal digits, no sign, no leading zero: one URI per segment,
/// fits 64 bits).
std::optional<uint64_t> parse_sequence(const query_params& q) {
  auto text = q.get("seq");
  if (!text || text->empty() || text->size() > 19 || (text->size() > 1 && text->front() == '0') ||
      !std::all_of(text->begin(), text->end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  uint64_t n = 0;
  for (char ch : *text)
    n = n * 10 + static_cast<uint64_t>(ch - '0');
  return n;
}

/// GET /ace/manifest.m3u8 (`segment` false) and GET /ace/segment.ts: checked like an MPEG-TS
/// client, then sent to the key's relay, which answers through hls_answer (the playlist once
/// the first segment is cut; a segment at once).
void send_hls(const api_context& ctx, call& c, bool segment) {
  if (auto denied = check_token(ctx, c.query)) return c.reply.send(std::move(*denied));
  stream_ask wanted;
  if (auto bad = parse_stream_ask(c.query, wanted, true)) return c.reply.send(std::move(*bad));
  std::optional<uint64_t> sequence;
  if (segment) {
    sequence = parse_sequence(c.query);
    if (!sequence)
      return c.reply.send(response::error(400, "seq must be a segment number the playlist gave"));
    if (!c.query.has("v"))
      return c.reply.send(response::error(400, "v is required: the viewer the playlist gave"));
  }
  std::string bad;
  auto viewer = hls_viewer(c, wanted.key, bad);
  if (!viewer) return c.reply.send(response::error(400, "v " + bad));
  if (!ctx.streams) return c.reply.send(response::error(503, "service is shutting down"));
  actors::relay_request req;
  req.key = std::move(wanted.key);
  req.key_type = std::move(wanted.key_type);
  req.params = std::move(wanted.engine_query);
  req.hls = std::make_shared<actors::hls_ask>();
  req.hls->viewer = *viewer;
  req.hls->sequence = sequence;
  const auto& ex = c.reply.shared_exchange();
  if (sequence) {
    req.hls->reply = hls_answer::segment(ex, *sequence);
  } else {
    auto query = segment_query(c, req, *viewer);
    // "/ace/" in front, "&seq=" and up to 20 digits behind: a URI the player could not ask for
    // is refused now, not at its first segment.
    if (query.size() + 30 > request_limits{}.max_target_bytes)
      return c.reply.send(response::error(
          414, "the id (or token) is too long for segment URIs; they would exceed " +
                   std::to_string(request_limits{}.max_target_bytes) + " bytes"));
    req.hls->reply = hls_answer::playlist(ex, std::move(query));
  }
  caf::anon_send(ctx.streams, actors::open_stream_atom::value, std::move(req));
}

void stream_status(const api_context& ctx, call& c) {
  std::string key;
  if (c.query.has("id") || c.query.has("infohash")) {
    // One key's relay names its engine and session URLs: as guarded as the stream itself.
    if (auto denied = check_token(ctx, c.query)) return c.reply.send(std::move(*denied));
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
      .query("v", string_schema(), "with ACEXY_M3U8 only: as on /ace/manifest.m3u8")
      .returns(200, {{"type", "string"}, {"contentMediaType", "video/mp2t"}},
               "the stream, chunked, until the client leaves or the stream ends (with "
               "ACEXY_M3U8=true: the HLS playlist of /ace/manifest.m3u8 instead)",
               "video/MP2T")
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

route_doc hls_doc(std::string summary) {
  return with_stream_key(route_doc("relay", std::move(summary)))
      .query("token", string_schema(), "STREAM_TOKEN, when set (players cannot send headers)")
      .returns(400, schema_ref("Error"), "neither or both of id and infohash, pid, or a bad v/seq")
      .returns(401, schema_ref("Error"), "STREAM_TOKEN is set: token missing or wrong");
}

void add_relay_routes(router& r, const api_context& ctx) {
  for (const char* path : {"/ace/getstream", "/ace/getstream/"})
    r.add_stream(path, access::open, relay_doc(), [ctx](call& c) {
      // acexy's M3U8 mode: players configured for it get the playlist here.
      if (ctx.config->values.relay.acexy_m3u8) return send_hls(ctx, c, false);
      get_stream(ctx, c);
    });
  r.add(
      method::get, "/ace/manifest.m3u8", access::open,
      hls_doc("The live HLS playlist of id or infohash")
          .explain("acexy's endpoint. Segments are cut by acepool from the same engine session "
                   "its MPEG-TS clients share (HLS_SEGMENT_S, HLS_WINDOW); the first answer comes "
                   "once the first segment is cut. A viewer counts as a client until 3 target "
                   "durations pass without its request.")
          .query("v", string_schema(),
                 "the viewer (hex); by default derived from the client's address and User-Agent")
          .returns(200, string_schema(), "an HLS media playlist (RFC 8216)", hls_playlist_type)
          .returns(414, schema_ref("Error"),
                   "the id (or token) would make segment URIs longer than a request may be")
          .returns(502, schema_ref("Error"), "the engine's stream failed before the first segment")
          .returns(503, {{"anyOf", {schema_ref("ProvisioningError"), schema_ref("Error")}}},
                   "no engine could be had, too many clients, or shutting down")
          .returns(504, schema_ref("ProvisioningError"), "provisioning timed out"),
      [ctx](call& c) { send_hls(ctx, c, false); });
  r.add(method::get, "/ace/segment.ts", access::open,
        hls_doc("One segment of a live HLS playlist, as the playlist names it")
            .query("seq", string_schema(), "the segment's media sequence number")
            .query("v", string_schema(), "the viewer, as the playlist gives it")
            .returns(200, {{"type", "string"}, {"contentMediaType", "video/mp2t"}},
                     "MPEG-TS beginning with PAT, PMT and a keyframe", "video/MP2T")
            .returns(404, schema_ref("Error"),
                     "not held: left the window, not cut yet, or no relay runs the key")
            .returns(503, schema_ref("Error"), "too many clients, or shutting down"),
        [ctx](call& c) { send_hls(ctx, c, true); });
  r.add(method::get, "/ace/status", access::read,
        with_stream_key(route_doc("relay", "The relay: every stream, or one key's relay"))
            .query("token", string_schema(), "with a key: STREAM_TOKEN, when set")
            .returns(401, schema_ref("Error"),
                     "with a key and STREAM_TOKEN set: token missing or wrong")
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
