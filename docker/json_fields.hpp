#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

// Docker's JSON is read field by field, each of the expected type or else empty: a field of
// another type (or a daemon speaking another API version) must never throw.
namespace acepool::docker::fields {

/// Member `key` of `j`, or null when `j` is no object or has none.
inline const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

/// Member `key` when it is a string, else `fallback`.
// Swappable on purpose: a JSON key and its fallback literal, at every call side by side
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
inline std::string text(const nlohmann::json& j, const char* key, const char* fallback = "") {
  const auto* m = member(j, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string(fallback);
}

/// Member `key` when it is an integer that fits int64, else 0.
inline int64_t integer(const nlohmann::json& j, const char* key) {
  const auto* m = member(j, key);
  if (m == nullptr || !m->is_number_integer()) return 0;
  if (m->is_number_unsigned() && m->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return 0;
  return m->get<int64_t>();
}

/// Member `key` when it is `true`.
inline bool flag(const nlohmann::json& j, const char* key) {
  const auto* m = member(j, key);
  return m != nullptr && m->is_boolean() && m->get<bool>();
}

/// The string members of an object (labels); others are skipped.
inline std::map<std::string, std::string> string_map(const nlohmann::json* j) {
  std::map<std::string, std::string> out;
  if (j == nullptr || !j->is_object()) return out;
  for (const auto& [k, v] : j->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

/// A port number, or 0 when `v` is none.
inline uint16_t port_number(int64_t v) {
  return v > 0 && v <= 65535 ? static_cast<uint16_t>(v) : 0;
}

/// A port number written in decimal digits, or 0 when `digits` is none.
inline uint16_t port_number(const std::string& digits) {
  if (digits.empty() || digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  return port_number(static_cast<int64_t>(std::stol(digits)));  // at most 5 digits: no throw
}

}  // namespace acepool::docker::fields
