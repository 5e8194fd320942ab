#include "http/playlist_rewrite.hpp"

#include <algorithm>
#include <cctype>

#include "config/value_parsers.hpp"
#include "http/query_string.hpp"
#include "support/text_safety.hpp"

namespace acepool::http {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

/// The key an entry names: (`id` or `infohash`, value), or nothing for any other entry.
std::optional<std::pair<std::string, std::string>> acestream_key(std::string_view entry) {
  if (starts_with_nocase(entry, "acestream://")) {
    auto id = entry.substr(12);
    if (!id.empty() && id.back() == '/') id.remove_suffix(1);
    if (id.size() != 40 || !is_hex_digits(id)) return std::nullopt;
    return std::make_pair(std::string("id"), std::string(id));
  }
  if (!starts_with_nocase(entry, "http://") && !starts_with_nocase(entry, "https://"))
    return std::nullopt;
  auto query_at = entry.find('?');
  if (query_at == std::string_view::npos) return std::nullopt;
  auto path_and_host = entry.substr(0, query_at);
  auto host_at = path_and_host.find("//") + 2;
  auto path_at = path_and_host.find('/', host_at);
  if (path_at == std::string_view::npos || path_at == host_at) return std::nullopt;  // no host
  auto path = path_and_host.substr(path_at);
  if (path != "/ace/getstream" && path != "/ace/getstream/" && path != "/ace/manifest.m3u8")
    return std::nullopt;
  auto query = entry.substr(query_at + 1);
  if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  std::optional<std::pair<std::string, std::string>> found;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    auto name = pair.substr(0, eq);
    if (name != "id" && name != "infohash") continue;
    // Read as acepool's relay (and acexy) read a query: `+` is a space.
    auto value = percent_decode(pair.substr(eq + 1), true);
    if (!value || value->empty()) return std::nullopt;
    // A key acepool would refuse (400) stays the entry it was.
    if (!support::is_valid_utf8(*value) || support::has_control_chars(*value)) return std::nullopt;
    if (found) return std::nullopt;  // both, or twice: not ours to guess
    found = std::make_pair(std::string(name), std::move(*value));
  }
  return found;
}

std::string relay_url(const std::pair<std::string, std::string>& key,
                      const rewrite_target& target) {
  std::string url = target.base + (target.hls ? "/ace/manifest.m3u8?" : "/ace/getstream?") +
                    key.first + "=" + percent_encode(key.second);
  if (target.token) url += "&token=" + percent_encode(*target.token);
  return url;
}

}  // namespace

rewrite_result rewrite_playlist(std::string_view playlist, const rewrite_target& target) {
  rewrite_result out;
  out.text.reserve(playlist.size() + playlist.size() / 4);
  size_t at = 0;
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (playlist.substr(0, bom.size()) == bom) {
    out.text.append(bom);
    at = bom.size();
  }
  while (at < playlist.size()) {
    // Lines end in LF, CRLF or a lone CR (old Mac exports).
    auto end = playlist.find_first_of("\r\n", at);
    auto line_end = end == std::string_view::npos ? playlist.size() : end + 1;
    if (end != std::string_view::npos && playlist[end] == '\r' && line_end < playlist.size() &&
        playlist[line_end] == '\n')
      ++line_end;
    auto line = playlist.substr(at, line_end - at);
    at = line_end;
    // The line without its ending, and without the blanks around it.
    auto body = line;
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r'))
      body.remove_suffix(1);
    auto ending = line.substr(body.size());
    auto first = body.find_first_not_of(" \t");
    auto last = body.find_last_not_of(" \t");
    auto entry =
        first == std::string_view::npos ? std::string_view() : body.substr(first, last - first + 1);
    if (entry.empty() || entry.front() == '#') {
      out.text.append(line);
      continue;
    }
    if (auto key = acestream_key(entry)) {
      out.text.append(relay_url(*key, target)).append(ending);
      ++out.rewritten;
    } else {
      out.text.append(line);
      ++out.kept;
    }
  }
  return out;
}

namespace {

/// `host[:port]` of a URL: a host name or IP address (IPv6 in brackets), a port of 1-65535;
/// read by the parsers of acepool's own settings.
bool valid_authority(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    if (close + 1 == authority.size())
      return config::parse_ip_address(authority.substr(1, close - 1)).has_value();
    return config::parse_host_port(authority).has_value();
  }
  if (authority.find(':') == std::string_view::npos)
    return config::parse_host(authority).has_value();
  return config::parse_host_port(authority).has_value();
}

}  // namespace

std::optional<std::string> parse_rewrite_base(std::string_view text) {
  if (!starts_with_nocase(text, "http://") && !starts_with_nocase(text, "https://"))
    return std::nullopt;
  if (text.find_first_of("?#@ \t\\\"<>^`{|}") != std::string_view::npos) return std::nullopt;
  // Every `%` starts an escape of two hex digits.
  for (auto at = text.find('%'); at != std::string_view::npos; at = text.find('%', at + 1))
    if (at + 2 >= text.size() || !is_hex_digits(text.substr(at + 1, 2))) return std::nullopt;
  // Printable ASCII only: no control characters, no raw UTF-8 (U+2028 ends a line in places).
  if (std::any_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x21 || c > 0x7e; }))
    return std::nullopt;
  auto host_at = text.find("//") + 2;
  auto host_end = text.find('/', host_at);
  auto authority = text.substr(
      host_at, host_end == std::string_view::npos ? std::string_view::npos : host_end - host_at);
  if (authority.size() > 261 || !valid_authority(authority)) return std::nullopt;
  std::string base(text);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  return base;
}

}  // namespace acepool::http
