#include "config/value_parsers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace acepool::config {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool has_space_or_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isspace(c) || c < 0x20; });
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

// Parses digits[.digits] as a non-negative decimal number.
std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double value = 0;
  size_t i = 0;
  bool any = false;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    value = value * 10 + (s[i] - '0');
    any = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    bool frac = false;
    for (; i < s.size() && is_digit(s[i]); ++i) {
      value += (s[i] - '0') * scale;
      scale /= 10;
      frac = true;
    }
    if (!frac) return std::nullopt;
    any = true;
  }
  if (!any || i != s.size()) return std::nullopt;
  return value;
}

bool valid_hostname(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (auto label : split(s, '.')) {
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<bool> parse_bool(std::string_view s) {
  auto v = lower(trim(s));
  // t and f: Go's strconv.ParseBool reads them (acexy's ACEXY_* variables).
  if (v == "true" || v == "t" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "f" || v == "0" || v == "no") return false;
  return std::nullopt;
}

std::optional<int64_t> parse_integer(std::string_view s, int64_t min, int64_t max) {
  s = trim(s);
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (negative) v = -v;
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::optional<std::chrono::milliseconds> parse_seconds(std::string_view s, double min_s,
                                                       double max_s) {
  auto v = parse_decimal(trim(s));
  if (!v || *v < min_s || *v > max_s) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(*v * 1000.0)));
}

std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (s == "0") return std::chrono::milliseconds(0);
  double total_ms = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '.'))
      ++i;
    auto number = parse_decimal(s.substr(0, i));
    if (!number) return std::nullopt;
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j])))
      ++j;
    auto unit = s.substr(0, j);
    s.remove_prefix(j);
    double factor;
    if (unit == "h")
      factor = 3'600'000;
    else if (unit == "m")
      factor = 60'000;
    else if (unit == "s")
      factor = 1000;
    else if (unit == "ms")
      factor = 1;
    else if (unit == "us" || unit == "µs")
      factor = 0.001;
    else if (unit == "ns")
      factor = 0.000001;
    else
      return std::nullopt;
    total_ms += *number * factor;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total_ms)));
}

std::optional<port_range> parse_port_range(std::string_view s) {
  s = trim(s);
  auto dash = s.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto low = parse_integer(s.substr(0, dash), 1, 65535);
  auto high = parse_integer(s.substr(dash + 1), 1, 65535);
  if (!low || !high || *low > *high) return std::nullopt;
  return port_range{static_cast<uint16_t>(*low), static_cast<uint16_t>(*high)};
}

std::optional<std::vector<std::string>> parse_list(std::string_view s) {
  std::vector<std::string> out;
  if (trim(s).empty()) return out;
  for (auto item : split(s, ',')) {
    item = trim(item);
    if (item.empty()) return std::nullopt;
    out.emplace_back(item);
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> parse_label(std::string_view s) {
  s = trim(s);
  auto eq = s.find('=');
  if (eq == std::string_view::npos || s.find('=', eq + 1) != std::string_view::npos)
    return std::nullopt;
  auto key = s.substr(0, eq);
  auto value = s.substr(eq + 1);
  if (key.empty() || value.empty() || has_space_or_control(s)) return std::nullopt;
  return std::make_pair(std::string(key), std::string(value));
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_env_pairs(
    std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto item : split(s, ';')) {
    item = trim(item);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    auto key = item.substr(0, eq);
    if (is_digit(key.front())) return std::nullopt;
    for (char c : key)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return std::nullopt;
    out.emplace_back(std::string(key), std::string(item.substr(eq + 1)));
  }
  return out;
}

std::optional<std::string> parse_ip_address(std::string_view s) {
  std::string text(trim(s));
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1)
    return text;
  return std::nullopt;
}

std::optional<std::string> parse_host(std::string_view s) {
  s = trim(s);
  if (auto ip = parse_ip_address(s)) return ip;
  if (valid_hostname(s)) return std::string(s);
  return std::nullopt;
}

std::optional<host_port> parse_host_port(std::string_view s) {
  s = trim(s);
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return std::nullopt;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
    if (!parse_ip_address(host)) return std::nullopt;
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (!parse_host(host)) return std::nullopt;
  }
  auto p = parse_integer(port, 1, 65535);
  if (!p) return std::nullopt;
  return host_port{std::string(host), static_cast<uint16_t>(*p)};
}

std::optional<std::vector<host_port>> parse_host_port_list(std::string_view s) {
  auto items = parse_list(s);
  if (!items) return std::nullopt;
  std::vector<host_port> out;
  for (const auto& item : *items) {
    auto hp = parse_host_port(item);
    if (!hp) return std::nullopt;
    out.push_back(*hp);
  }
  return out;
}

std::optional<docker_endpoint> parse_docker_host(std::string_view s) {
  s = trim(s);
  docker_endpoint ep;
  constexpr std::string_view unix_prefix = "unix://";
  constexpr std::string_view tcp_prefix = "tcp://";
  if (s.substr(0, unix_prefix.size()) == unix_prefix) {
    auto path = s.substr(unix_prefix.size());
    if (path.size() < 2 || path.front() != '/' || has_space_or_control(path)) return std::nullopt;
    ep.kind = docker_endpoint::transport::unix_socket;
    ep.socket_path = std::string(path);
    return ep;
  }
  if (s.substr(0, tcp_prefix.size()) == tcp_prefix) {
    auto rest = s.substr(tcp_prefix.size());
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    auto hp = parse_host_port(rest);
    if (!hp) return std::nullopt;
    ep.kind = docker_endpoint::transport::tcp;
    ep.address = *hp;
    return ep;
  }
  return std::nullopt;
}

std::optional<std::string> parse_api_version(std::string_view s) {
  s = trim(s);
  if (!s.empty() && (s.front() == 'v' || s.front() == 'V')) s.remove_prefix(1);
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  if (!parse_integer(s.substr(0, dot), 1, 99) || !parse_integer(s.substr(dot + 1), 0, 999))
    return std::nullopt;
  return std::string(s);
}

std::optional<uint64_t> parse_byte_size(std::string_view s) {
  auto v = lower(trim(s));
  if (v.empty()) return std::nullopt;
  if (v.back() == 'b') v.pop_back();
  uint64_t factor = 1;
  if (!v.empty()) {
    switch (v.back()) {
      case 'k':
        factor = 1ull << 10;
        break;
      case 'm':
        factor = 1ull << 20;
        break;
      case 'g':
        factor = 1ull << 30;
        break;
      default:
        break;
    }
    if (factor != 1) v.pop_back();
  }
  auto n = parse_integer(v, 0, int64_t{1} << 40);
  if (!n) return std::nullopt;
  return static_cast<uint64_t>(*n) * factor;
}

std::optional<std::string> parse_image_ref(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 512 || has_space_or_control(s)) return std::nullopt;
  return std::string(s);
}

std::optional<std::string> parse_sqlite_url(std::string_view s) {
  s = trim(s);
  constexpr std::string_view prefix = "sqlite:///";
  if (s.substr(0, prefix.size()) != prefix) return std::nullopt;
  auto path = s.substr(prefix.size());
  if (path.empty() || path == "/") return std::nullopt;
  // `sqlite:////abs` leaves `/abs`; `sqlite:///rel` leaves `rel`.
  return std::string(path);
}

std::optional<std::vector<std::string>> parse_cors_origins(std::string_view s) {
  if (trim(s).empty()) return std::vector<std::string>{};
  auto items = parse_list(s);
  if (!items || items->empty()) return std::nullopt;
  if (items->size() == 1 && items->front() == "*") return items;
  for (const auto& origin : *items) {
    std::string_view rest = origin;
    if (rest.substr(0, 7) == "http://")
      rest.remove_prefix(7);
    else if (rest.substr(0, 8) == "https://")
      rest.remove_prefix(8);
    else
      return std::nullopt;
    if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
    if (rest.find(':') != std::string_view::npos && rest.front() != '[') {
      if (!parse_host_port(rest)) return std::nullopt;
    } else if (rest.front() != '[' && !parse_host(rest)) {
      return std::nullopt;
    }
  }
  return items;
}

std::optional<std::vector<std::string>> parse_allowed_hosts(std::string_view s) {
  if (trim(s).empty()) return std::vector<std::string>{};
  auto items = parse_list(s);
  if (!items || items->empty()) return std::nullopt;
  if (items->size() == 1 && items->front() == "*") return items;
  for (auto& host : *items) {
    if (!parse_host(host)) return std::nullopt;
    for (auto& c : host)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return items;
}

std::string format_seconds(std::chrono::milliseconds ms) {
  auto count = ms.count();
  if (count % 1000 == 0) return std::to_string(count / 1000);
  std::string out = std::to_string(count / 1000) + ".";
  auto frac = std::to_string(1000 + count % 1000).substr(1);
  while (!frac.empty() && frac.back() == '0')
    frac.pop_back();
  return out + frac;
}

}  // namespace acepool::config
