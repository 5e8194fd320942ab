#pragma once

#include <string_view>

#include <spdlog/common.h>
#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

namespace acepool::log {

/// Output shape of every log line (LOG_FORMAT).
enum class format { json, text };

/// Configures the process-wide logger `acepool`: JSON lines (`time`, `level`, `logger`, `msg`,
/// then an event's fields) or plain text, written to `sink` (stderr when null). Can be called
/// again.
void configure(spdlog::level::level_enum level, format fmt, spdlog::sink_ptr sink = nullptr);

/// The process-wide logger (configured with defaults on first use).
spdlog::logger& logger();

/// Writes one structured event line: `"msg":"<name>"` followed by the members of `fields`
/// (a JSON object) in JSON format, `msg=<name> key=value ...` in text format. A field named
/// `time`, `level`, `logger` or `msg` is written as `field.<name>`.
void event(spdlog::level::level_enum level, std::string_view name, const nlohmann::json& fields);

/// Same as event() without fields.
void event(spdlog::level::level_enum level, std::string_view name);

/// Parses `trace|debug|info|warn|error` (the LOG_LEVEL values).
spdlog::level::level_enum level_from_name(std::string_view name);

/// The name a log line gives `level`: the LOG_LEVEL spelling (`warn`, `error`), `critical`,
/// `off`.
std::string_view level_name(spdlog::level::level_enum level);

}  // namespace acepool::log
