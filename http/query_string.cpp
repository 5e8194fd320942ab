#include "http/query_string.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace acepool::http {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool is_hex_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::string percent_encode(std::string_view s) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
  return out;
}

std::optional<query_params> query_params::parse(std::string_view raw) {
  query_params q;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    auto item = raw.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    auto name = percent_decode(item.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : percent_decode(item.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    q.items_.emplace_back(std::move(*name), std::move(*value));
  }
  return q;
}

void query_params::check_readable(std::string_view name) const {
#ifndef NDEBUG
  if (readable_ == nullptr) return;
  for (const auto& n : *readable_)
    if (n == name) return;
  std::fprintf(stderr, "query parameter '%.*s' is read but not in the route's route_doc\n",
               static_cast<int>(name.size()), name.data());
  std::abort();
#else
  (void)name;
#endif
}

std::optional<std::string> query_params::get(std::string_view name) const {
  check_readable(name);
  for (const auto& [k, v] : items_)
    if (k == name) return v;
  return std::nullopt;
}

bool query_params::has(std::string_view name) const {
  check_readable(name);
  for (const auto& [k, v] : items_)
    if (k == name) return true;
  return false;
}

}  // namespace acepool::http
