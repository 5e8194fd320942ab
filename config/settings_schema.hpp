#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"

namespace acepool::config {

/// One environment variable of docs/configuration.md: how it is parsed, shown and documented.
struct setting_spec {
  std::string name;
  std::string section;
  std::optional<std::string> default_value;  ///< as written in config; nothing = unset
  std::string default_doc;                   ///< default as documented when it is derived
  std::string allowed;                       ///< what values are allowed (errors and docs)
  std::string help;                          ///< one line
  bool secret = false;                       ///< redacted by --print-config and /debug/config
  /// Parses `raw` into the settings; false when the value is not allowed.
  std::function<bool(settings&, std::string_view raw)> apply;
  /// The effective value as config text; nothing when unset.
  std::function<std::optional<std::string>(const settings&)> show;
};

/// A compatibility name accepted for a variable (acexy's names).
struct alias_spec {
  std::string name;
  std::string canonical;  ///< the variable it sets
  std::string allowed;
  std::string note;
  /// Converts the alias value to the canonical variable's syntax; nothing when invalid.
  std::function<std::optional<std::string>(std::string_view raw)> to_canonical;
};

/// Every variable, in documentation order.
const std::vector<setting_spec>& setting_specs();

/// The variable called `name`, or null.
const setting_spec* find_setting(std::string_view name);

/// The section titles in documentation order.
const std::vector<std::string>& setting_sections();

/// The accepted aliases (ACEXY_HOST / ACEXY_PORT are documented here too; the loader turns
/// them into a static engine).
const std::vector<alias_spec>& alias_specs();

}  // namespace acepool::config
