#pragma once

#include <string_view>

#include <spdlog/common.h>
#include <nlohmann/json.hpp>

#include "support/live_feed.hpp"

namespace acepool {

/// Logs a state change and publishes it on the live feed (when there is one): the log line
/// (`msg` = `name`, then `fields`) and the feed event (`type` = `name`, `data` = `fields`) say
/// the same thing. The feed gets it whatever LOG_LEVEL is.
void announce(support::live_feed* feed, spdlog::level::level_enum level, std::string_view name,
              const nlohmann::json& fields);

}  // namespace acepool
