#pragma once

#include <string_view>

#include <spdlog/common.h>
#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

namespace acepool::log {

/// Output shape of every log line (LOG_FORMAT).
enum class format { json, text };

/// Configures the process-wide logger `acepool`: JSON lines (`ts`, `lvl`, `logger`, then `msg`
/// or `event` + fields) or plain text, written to `sink` (stderr when null). Can be called again.
void configure(spdlog::level::level_enum level, format fmt, spdlog::sink_ptr sink = nullptr);

/// The process-wide logger (configured with defaults on first use).
spdlog::logger& logger();

/// Writes one structured event line: `"event":"<name>"` followed by the members of `fields`
/// (a JSON object) in JSON format, `event=<name> key=value ...` in text format.
void event(spdlog::level::level_enum level, std::string_view name, const nlohmann::json& fields);

/// Same as event() without fields.
void event(spdlog::level::level_enum level, std::string_view name);

/// Parses `trace|debug|info|warn|error` (the LOG_LEVEL values).
spdlog::level::level_enum level_from_name(std::string_view name);

}  // namespace acepool::log
