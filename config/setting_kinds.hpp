#pragma once

// The kinds of setting settings_schema.cpp's table is made of (an integer in a range, seconds, a
// port, a choice, ...): each builds one setting_spec whose parser, printer and documented
// "allowed" text come from the same place. Only settings_schema.cpp includes this.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/settings_schema.hpp"
#include "config/value_parsers.hpp"

namespace acepool::config::setting_kinds {

// Accessor lambda for one field of `settings`, usable on const and non-const objects (`path` is
// a member path, which parentheses would break).
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ACEPOOL_FIELD(path) \
  [](auto& s) -> auto& {    \
    return s.path;          \
  }
// NOLINTEND(bugprone-macro-parentheses)

inline const std::string service = "Service";
inline const std::string docker = "Docker and engines";
inline const std::string pool = "Pool";
inline const std::string health = "Health and circuit breakers";
inline const std::string vpn = "VPN (Gluetun)";
inline const std::string relay = "Relay";

struct doc {
  const char* name;
  const std::string& section;
  std::optional<std::string> default_value;
  const char* help;
  const char* default_doc = "";
};

template <class Get, class Parse, class Show>
setting_spec make(doc d, std::string allowed, Get get, Parse parse, Show show,
                  bool secret = false) {
  setting_spec spec;
  spec.name = d.name;
  spec.section = d.section;
  spec.default_value = std::move(d.default_value);
  spec.default_doc = d.default_doc;
  spec.allowed = std::move(allowed);
  spec.help = d.help;
  spec.secret = secret;
  spec.apply = [get, parse](settings& s, std::string_view raw) {
    auto v = parse(raw);
    if (!v) return false;
    get(s) = std::move(*v);
    return true;
  };
  spec.show = [get, show](const settings& s) -> std::optional<std::string> { return show(get(s)); };
  return spec;
}

inline std::string join(const std::vector<std::string>& items, const char* sep = ",") {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

inline std::string range_text(int64_t min, int64_t max) {
  return std::to_string(min) + " to " + std::to_string(max);
}

/// A parser of an integer from `min` to `max`, stored as `Int`.
template <class Int>
auto integer_parser(int64_t min, int64_t max) {
  return [min, max](std::string_view raw) -> std::optional<Int> {
    auto v = parse_integer(raw, min, max);
    if (!v) return std::nullopt;
    return static_cast<Int>(*v);
  };
}

/// Shows an integer setting as config text.
template <class Int>
std::optional<std::string> show_integer(Int v) {
  return std::to_string(v);
}

template <class Get>
setting_spec integer(doc d, Get get, int64_t min, int64_t max) {
  return make(std::move(d), "an integer from " + range_text(min, max), get,
              integer_parser<int>(min, max), show_integer<int>);
}

template <class Get>
setting_spec bytes(doc d, Get get, int64_t min, int64_t max) {
  return make(std::move(d), "a byte count from " + range_text(min, max), get,
              integer_parser<uint64_t>(min, max), show_integer<uint64_t>);
}

inline std::string seconds_allowed(double min_s, double max_s) {
  auto num = [](double v) {
    return format_seconds(std::chrono::milliseconds(static_cast<int64_t>(v * 1000)));
  };
  return "seconds (integer or decimal) from " + num(min_s) + " to " + num(max_s);
}

template <class Get>
setting_spec seconds(doc d, Get get, double min_s, double max_s) {
  return make(
      std::move(d), seconds_allowed(min_s, max_s), get,
      [min_s, max_s](std::string_view raw) { return parse_seconds(raw, min_s, max_s); },
      [](milliseconds v) { return std::optional<std::string>(format_seconds(v)); });
}

template <class Get>
setting_spec boolean(doc d, Get get) {
  return make(
      std::move(d), "true, false, t, f, 1, 0, yes or no", get,
      [](std::string_view raw) { return parse_bool(raw); },
      [](bool v) { return std::optional<std::string>(v ? "true" : "false"); });
}

template <class Get>
setting_spec port(doc d, Get get, int64_t min = 1) {
  return make(std::move(d), "a port from " + range_text(min, 65535), get,
              integer_parser<uint16_t>(min, 65535), show_integer<uint16_t>);
}

template <class Get>
setting_spec optional_port(doc d, Get get) {
  return make(
      std::move(d), "a port from 1 to 65535", get,
      [](std::string_view raw) -> std::optional<std::optional<uint16_t>> {
        auto v = parse_integer(raw, 1, 65535);
        if (!v) return std::nullopt;
        return std::optional<uint16_t>(static_cast<uint16_t>(*v));
      },
      [](const std::optional<uint16_t>& v) -> std::optional<std::string> {
        if (!v) return std::nullopt;
        return std::to_string(*v);
      });
}

template <class Get>
setting_spec range(doc d, Get get) {
  return make(
      std::move(d), "a port range LOW-HIGH with 1 <= LOW <= HIGH <= 65535", get,
      [](std::string_view raw) { return parse_port_range(raw); },
      [](const port_range& r) {
        return std::optional<std::string>(std::to_string(r.low) + "-" + std::to_string(r.high));
      });
}

// A free-text value (non-empty after trimming); `secret` values are redacted when shown.
template <class Get>
setting_spec optional_text(doc d, Get get, bool secret = false) {
  return make(
      std::move(d), "any non-empty text", get,
      [](std::string_view raw) -> std::optional<std::optional<std::string>> {
        auto t = trim(raw);
        if (t.empty()) return std::nullopt;
        return std::optional<std::string>(std::string(t));
      },
      [](const std::optional<std::string>& v) { return v; }, secret);
}

template <class Get, class Parse>
setting_spec optional_parsed(doc d, std::string allowed, Get get, Parse parse) {
  return make(
      std::move(d), std::move(allowed), get,
      [parse](std::string_view raw) -> std::optional<std::optional<std::string>> {
        auto v = parse(raw);
        if (!v) return std::nullopt;
        return std::optional<std::string>(std::move(*v));
      },
      [](const std::optional<std::string>& v) { return v; });
}

template <class Get, class Parse>
setting_spec text(doc d, std::string allowed, Get get, Parse parse) {
  return make(std::move(d), std::move(allowed), get, parse,
              [](const std::string& v) { return std::optional<std::string>(v); });
}

template <class Enum, class Get>
setting_spec choice(doc d, Get get, std::vector<std::pair<std::string, Enum>> options) {
  std::vector<std::string> names;
  names.reserve(options.size());
  for (const auto& o : options)
    names.push_back(o.first);
  return make(
      std::move(d), "one of " + join(names, ", "), get,
      [options](std::string_view raw) -> std::optional<Enum> {
        auto t = trim(raw);
        for (const auto& [n, v] : options)
          if (n == t) return v;
        return std::nullopt;
      },
      [options](Enum v) -> std::optional<std::string> {
        for (const auto& [n, o] : options)
          if (o == v) return n;
        return std::nullopt;
      });
}

}  // namespace acepool::config::setting_kinds
