#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/settings_loader.hpp"

namespace acepool::config {

/// `acepool --help`: usage, flags and every variable with its default.
std::string render_help(std::string_view version);

/// config/example.env: every variable, commented out at its default, with a one-line comment.
std::string render_example_env();

/// docs/configuration.md: the full reference generated from the schema.
std::string render_markdown_reference();

/// One variable's effective value.
struct effective_value {
  std::string name;
  std::string section;
  std::optional<std::string> value;  ///< nothing = unset; secrets already redacted
  value_origin origin = value_origin::defaulted;
};

/// The effective values of every variable, secrets replaced by `<redacted>`.
std::vector<effective_value> describe_effective(const loaded_settings& loaded);

/// `acepool --print-config`: `NAME=value` lines grouped by section.
std::string render_effective(const loaded_settings& loaded);

/// `GET /debug/config`: {"values":{NAME: value|null}, "origins":{NAME: ...}, "warnings":[...]}.
nlohmann::json effective_json(const loaded_settings& loaded);

}  // namespace acepool::config
