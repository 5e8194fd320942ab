#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace acepool::http {

/// Where rewritten entries point.
struct rewrite_target {
  std::string base;                  ///< `http(s)://host[:port][/path]`, no trailing slash
  bool hls = false;                  ///< /ace/manifest.m3u8 instead of /ace/getstream
  std::optional<std::string> token;  ///< STREAM_TOKEN, added as `token=`
};

/// What a rewrite did.
struct rewrite_result {
  std::string text;      ///< the playlist, every other byte as it came
  size_t rewritten = 0;  ///< entries now pointing at acepool
  size_t kept = 0;       ///< entries left as they were (not an AceStream reference)
};

/// Rewrites an M3U playlist so every AceStream entry plays through acepool: `acestream://<id>`,
/// and `http(s)://<any host>/ace/getstream?id=|infohash=...` or `.../ace/manifest.m3u8?...`
/// (acexy's and the engine's URLs) become acepool's relay URL for the same key. Only entry lines
/// change (comment and tag lines, `#EXTINF` attributes included, stay byte for byte), each keeps
/// its line ending (LF or CRLF); a UTF-8 BOM is kept. Other query parameters of a rewritten URL
/// are dropped (acepool chooses the engine session). Plain logic: the caller checks the text is
/// UTF-8 and within its size limit.
rewrite_result rewrite_playlist(std::string_view playlist, const rewrite_target& target);

/// `text` as a rewrite base (`http(s)://host[:port]` with an optional path; no query, fragment,
/// credentials, whitespace or control characters), without a trailing slash; nothing if not one.
std::optional<std::string> parse_rewrite_base(std::string_view text);

}  // namespace acepool::http
