#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace acepool::support {

using wall_clock = std::chrono::system_clock;
using mono_clock = std::chrono::steady_clock;

/// Formats a wall-clock time as RFC 3339 UTC with milliseconds and a `Z` suffix,
/// e.g. `2026-01-02T03:04:05.123Z` (Go clients reject timestamps without a zone).
std::string format_rfc3339(wall_clock::time_point t);

/// The current wall-clock time formatted by format_rfc3339().
std::string now_rfc3339();

/// `t` formatted by format_rfc3339() as a JSON string, or JSON null when there is no time.
nlohmann::json rfc3339_or_null(const std::optional<wall_clock::time_point>& t);

/// Parses an RFC 3339 timestamp (`Z` or `±hh:mm` offset, optional fraction).
/// Returns nothing when the text is not a valid timestamp.
std::optional<wall_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace acepool::support
