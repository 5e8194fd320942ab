#include "http/etag.hpp"

namespace acepool::http {

// Named, distinct roles: the header's list and one tag; a swap would fail every match in tests.
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (if_none_match == "*") return true;
  size_t start = 0;
  while (start < if_none_match.size()) {
    auto end = if_none_match.find(',', start);
    auto item = if_none_match.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace acepool::http
