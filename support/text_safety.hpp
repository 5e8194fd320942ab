#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace acepool::support {

/// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Whether `s` holds an ASCII control character (U+0000-U+001F or U+007F).
bool has_control_chars(std::string_view s);

/// Serialises `j` compactly; invalid UTF-8 in any string becomes U+FFFD instead of throwing, so
/// text that came from outside can never make serialisation fail.
std::string dump_json(const nlohmann::json& j);

}  // namespace acepool::support
