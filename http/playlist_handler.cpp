#include "http/playlist_handler.hpp"

#include "config/settings_loader.hpp"
#include "http/playlist_rewrite.hpp"
#include "http/query_string.hpp"
#include "support/text_safety.hpp"

namespace acepool::http {

namespace {

/// The M3U media types players and playlist tools send (never text/plain: see text_body()).
const std::vector<std::string> playlist_types{
    "audio/x-mpegurl", "audio/mpegurl", "application/x-mpegurl", "application/vnd.apple.mpegurl"};

/// Control characters but tab, CR and LF: no playlist line holds one.
bool has_stray_controls(std::string_view text) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) return true;
  return false;
}

void rewrite(const api_context& ctx, call& c) {
  const auto& body = c.req->body;
  if (!support::is_valid_utf8(body))
    return c.reply.send(response::error(400, "the playlist is not UTF-8 text"));
  if (has_stray_controls(body))
    return c.reply.send(response::error(400, "the playlist holds control characters"));
  rewrite_target target;
  auto format = c.query.get("format").value_or("ts");
  if (format != "ts" && format != "hls")
    return c.reply.send(response::error(400, "format must be ts or hls"));
  target.hls = format == "hls";
  if (auto base = c.query.get("base")) {
    auto parsed = parse_rewrite_base(*base);
    if (!parsed)
      return c.reply.send(response::error(
          400, "base must be an http(s) URL: scheme, host, optional port and path only"));
    target.base = *parsed;
  } else {
    auto host = c.req->header("Host");
    auto parsed = host ? parse_rewrite_base("http://" + std::string(*host)) : std::nullopt;
    if (!parsed)
      return c.reply.send(
          response::error(400, "no usable Host header: give base=http://host:port"));
    target.base = *parsed;
  }
  target.token = ctx.config->values.service.stream_token;
  auto result = rewrite_playlist(body, target);
  response r;
  r.content_type = "audio/x-mpegurl; charset=utf-8";
  r.body = std::move(result.text);
  r.headers = {{"X-Acepool-Rewritten", std::to_string(result.rewritten)},
               {"X-Acepool-Kept", std::to_string(result.kept)}};
  c.reply.send(std::move(r));
}

}  // namespace

void add_playlist_routes(router& r, const api_context& ctx) {
  r.add(
      method::post, "/playlist/rewrite", access::write,
      route_doc("relay", "An M3U playlist with its AceStream entries pointed at acepool")
          .explain("Every `acestream://<id>` entry and every `http(s)://<host>/ace/getstream?id=|"
                   "infohash=` or `.../ace/manifest.m3u8?...` entry (acexy's, an engine's) becomes "
                   "this acepool's relay URL for the same key; tag and comment lines (EXTINF "
                   "attributes too), line endings and a BOM stay as sent. acepool never fetches a "
                   "URL of the playlist. With STREAM_TOKEN set, the URLs carry `token=`, which is "
                   "why the route needs the API key.")
          .query("format", enum_schema({"ts", "hls"}),
                 "ts (default): /ace/getstream; hls: /ace/manifest.m3u8")
          .query("base", string_schema(),
                 "where the URLs point, e.g. `http://tv.example:8000`; default: http:// and "
                 "the request's Host")
          .text_body(playlist_types, "the M3U playlist, UTF-8, up to MAX_BODY_BYTES", true)
          .returns(200, string_schema(), "the playlist, rewritten", "audio/x-mpegurl")
          .with_header("X-Acepool-Rewritten", "entries now pointing at acepool")
          .with_header("X-Acepool-Kept", "entries left as they were")
          .returns(400, schema_ref("Error"),
                   "not UTF-8, control characters, a bad format or base, or no Host"),
      [ctx](call& c) { rewrite(ctx, c); });
}

}  // namespace acepool::http
