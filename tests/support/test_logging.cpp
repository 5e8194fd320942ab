#include <catch2/catch.hpp>

#include <algorithm>

#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "support/logging.hpp"

using namespace acepool;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("JSON log lines are valid JSON even with quotes in messages") {
  std::ostringstream out;
  log::configure(spdlog::level::info, log::format::json,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log::logger().info("plain text with \"quotes\" and {} and a\ttab", "{braces}");
  log::event(spdlog::level::warn, "stream.failover", {{"stream", "abc|def"}, {"attempt", 2}});
  log::event(spdlog::level::debug, "hidden.below.level", {{"x", 1}});
  log::logger().flush();
  auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 2);
  auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["level"] == "info");
  CHECK(first["logger"] == "acepool");
  CHECK(first["msg"] == "plain text with \"quotes\" and {braces} and a\ttab");
  CHECK(first["time"].get<std::string>().back() == 'Z');
  auto second = nlohmann::json::parse(lines[1]);
  CHECK(second["msg"] == "stream.failover");
  CHECK(second["stream"] == "abc|def");
  CHECK(second["attempt"] == 2);
  CHECK(second["level"] == "warn");
  log::configure(spdlog::level::info, log::format::json);
}

TEST_CASE("text log lines carry the event and its fields") {
  std::ostringstream out;
  log::configure(spdlog::level::debug, log::format::text,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log::event(spdlog::level::info, "provision.done",
             {{"container", "acestream-1"}, {"note", "two words"}});
  log::logger().flush();
  auto text = out.str();
  CHECK_THAT(text, Catch::Contains(" info acepool msg=provision.done "));
  CHECK_THAT(text, Catch::Contains("container=acestream-1"));
  CHECK_THAT(text, Catch::Contains("note=\"two words\""));
  log::configure(spdlog::level::info, log::format::json);
}

TEST_CASE("a field named like a key of the line itself cannot replace it") {
  std::ostringstream out;
  log::configure(spdlog::level::info, log::format::json,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log::event(spdlog::level::err, "store.failed", {{"msg", "disk full"}, {"level", 3}});
  log::logger().flush();
  auto line = nlohmann::json::parse(lines_of(out.str()).at(0));
  CHECK(line["msg"] == "store.failed");
  CHECK(line["level"] == "error");
  CHECK(line["field.msg"] == "disk full");
  CHECK(line["field.level"] == 3);
  log::configure(spdlog::level::info, log::format::json);
}

TEST_CASE("outside text cannot forge a text log line") {
  std::ostringstream out;
  log::configure(spdlog::level::debug, log::format::text,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  log::event(spdlog::level::info, "stream.started",
             {{"key", "x\n2026-01-01T00:00:00Z info acepool msg=forged"}, {"esc", "a\x1b[31m"}});
  log::logger().flush();
  auto text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);  // one line, whatever the fields hold
  CHECK(text.find('\x1b') == std::string::npos);
  log::configure(spdlog::level::info, log::format::json);
}

TEST_CASE("log levels are parsed from LOG_LEVEL names") {
  CHECK(log::level_from_name("trace") == spdlog::level::trace);
  CHECK(log::level_from_name("warn") == spdlog::level::warn);
  CHECK(log::level_from_name("error") == spdlog::level::err);
  CHECK(log::level_from_name("info") == spdlog::level::info);
}
