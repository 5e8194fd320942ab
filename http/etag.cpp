#include "http/etag.hpp"

#include <algorithm>

#include "config/value_parsers.hpp"

namespace acepool::http {

// Named, distinct roles: the header's list and one tag; a swap would fail every match in tests.
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  size_t start = 0;
  while (start < if_none_match.size()) {
    auto end = if_none_match.find(',', start);
    auto item = config::trim(if_none_match.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

response not_modified_or(const request& req, std::string_view etag, response full) {
  auto inm = req.header("If-None-Match");
  if (!inm || !etag_matches(*inm, etag)) return full;
  full.status = 304;
  full.content_type.clear();
  full.body.clear();
  full.shared_body = {};
  full.shared_owner = nullptr;
  auto& h = full.headers;
  h.erase(std::remove_if(h.begin(), h.end(),
                         [](const auto& kv) { return iequals(kv.first, "Content-Encoding"); }),
          h.end());
  return full;
}

}  // namespace acepool::http
