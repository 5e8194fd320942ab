#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/env_source.hpp"
#include "config/settings.hpp"

namespace acepool::config {

/// Where a variable's effective value came from.
enum class value_origin { defaulted, env_file, environment };

/// Validated settings with the origin of every value and the warnings to log at start.
struct loaded_settings {
  settings values;
  std::map<std::string, value_origin> origins;  ///< variables that have a value
  std::vector<std::string> warnings;
};

/// The settings, or one line naming the variable, its value and what is allowed.
struct load_result {
  std::optional<loaded_settings> loaded;
  std::string error;
};

/// Builds the settings from the defaults, then the env file, then the real environment (which
/// wins), applies the acexy aliases, derives dependent values and checks every rule.
/// An empty value leaves a variable without default unset. Unknown variables are ignored.
load_result load_settings(const env_map& environment, const env_map& env_file);

}  // namespace acepool::config
