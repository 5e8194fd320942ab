#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace acepool::config {

/// Variable name → raw value.
using env_map = std::map<std::string, std::string, std::less<>>;

/// Outcome of reading an env file: the values, or one line saying what is wrong and where.
struct env_file_result {
  env_map values;
  std::optional<std::string> error;
};

/// Parses env-file text: `KEY=VALUE` lines, `#` comment lines, blank lines, an optional
/// `export ` prefix, values optionally in single quotes (literal) or double quotes (with `\n`,
/// `\"`, `\\` escapes). `origin` names the file in error messages.
env_file_result parse_env_text(std::string_view text, std::string_view origin);

/// Reads and parses an env file; a missing or unreadable file is an error.
env_file_result read_env_file(const std::string& path);

/// The variables of this process's environment.
env_map process_environment();

}  // namespace acepool::config
