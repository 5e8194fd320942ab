#include "support/logging.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <nlohmann/json.hpp>

#include "support/text_safety.hpp"

namespace acepool::log {

namespace {

// A message whose first byte is this marker carries pre-serialised JSON members.
constexpr char structured_marker = '\x1e';

std::atomic<format> active_format{format::json};
std::mutex configure_mutex;
std::shared_ptr<spdlog::logger> the_logger;
// Replaced loggers stay alive: another thread may still hold a reference from logger().
std::vector<std::shared_ptr<spdlog::logger>> retired_loggers;

void append_json_string(std::string_view text, spdlog::memory_buf_t& dest) {
  auto quoted = nlohmann::json(std::string(text))
                    .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  dest.append(quoted.data(), quoted.data() + quoted.size());
}

/// `%*`: `"msg":"<event name>"` and the raw structured members, or `"msg":"<escaped text>"`
/// for plain messages.
class payload_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!payload.empty() && payload.front() == structured_marker) {
      payload.remove_prefix(1);
      dest.append(payload.data(), payload.data() + payload.size());
      return;
    }
    static constexpr std::string_view key = "\"msg\":";
    dest.append(key.data(), key.data() + key.size());
    append_json_string(payload, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<payload_flag>();
  }
};

/// `%L`: the level as LOG_LEVEL spells it (`warn`, not spdlog's `warning`).
class level_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    auto name = level_name(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<level_flag>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(format fmt) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<level_flag>('L');
  if (fmt == format::json) {
    f->add_flag<payload_flag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%L","logger":"%n",%*})");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %L %n %v");
  }
  return f;
}

/// A field named like one of the line's own keys is written `field.<name>`: a JSON object with
/// two equal keys is read differently by different parsers.
std::string field_key(const std::string& key) {
  for (std::string_view own : {"time", "level", "logger", "msg"})
    if (key == own) return "field." + key;
  return key;
}

std::string text_value(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    // Bare only when nothing in it could start a new field or a new line, or move the cursor.
    bool bare = !s.empty() && std::none_of(s.begin(), s.end(), [](char c) {
      auto u = static_cast<unsigned char>(c);
      return c == ' ' || c == '"' || c == '=' || u < 0x20 || u == 0x7f;
    });
    if (bare) return s;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void configure(spdlog::level::level_enum level, format fmt, spdlog::sink_ptr sink) {
  std::lock_guard<std::mutex> guard(configure_mutex);
  if (!sink) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto lg = std::make_shared<spdlog::logger>("acepool", std::move(sink));
  lg->set_formatter(make_formatter(fmt));
  lg->set_level(level);
  lg->flush_on(spdlog::level::warn);
  active_format.store(fmt);
  if (auto old = std::atomic_exchange(&the_logger, lg)) retired_loggers.push_back(std::move(old));
}

spdlog::logger& logger() {
  auto lg = std::atomic_load(&the_logger);
  if (!lg) {
    configure(spdlog::level::info, format::json);
    lg = std::atomic_load(&the_logger);
  }
  return *lg;
}

void event(spdlog::level::level_enum level, std::string_view name, const nlohmann::json& fields) {
  auto& lg = logger();
  if (!lg.should_log(level)) return;
  std::string line;
  if (active_format.load(std::memory_order_relaxed) == format::json) {
    line.push_back(structured_marker);
    line += "\"msg\":";
    line += support::dump_json(nlohmann::json(std::string(name)));
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        line += ',';
        line += support::dump_json(nlohmann::json(field_key(k)));
        line += ':';
        line += support::dump_json(v);
      }
    }
  } else {
    line += "msg=";
    line += name;
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        line += ' ';
        line += field_key(k);
        line += '=';
        line += text_value(v);
      }
    }
  }
  lg.log(level, "{}", line);
}

void event(spdlog::level::level_enum level, std::string_view name) {
  event(level, name, nlohmann::json::object());
}

spdlog::level::level_enum level_from_name(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return spdlog::level::info;
}

std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

}  // namespace acepool::log
