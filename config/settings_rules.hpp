#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace acepool::config {

/// Result of the cross-field rules of docs/configuration.md.
struct rule_outcome {
  std::optional<std::string> error;   ///< the first violated rule, one line
  std::vector<std::string> warnings;  ///< legal but suspicious combinations
};

/// Checks the cross-field rules: replica bounds, non-overlapping port ranges of the active
/// mode, range sizes against their caps (warnings), timeouts, distinct listener ports,
/// ENGINE_ACCESS=network prerequisites.
rule_outcome check_cross_field_rules(const settings& s);

}  // namespace acepool::config
