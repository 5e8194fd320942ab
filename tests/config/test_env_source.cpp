#include <catch2/catch.hpp>

#include "config/env_source.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool::config;

TEST_CASE("env files: KEY=VALUE lines, comments, export prefix and quotes") {
  auto r = parse_env_text(
      "# comment\n"
      "\n"
      "APP_PORT=9000\n"
      "export LOG_LEVEL=debug\n"
      "  API_KEY = 'sp ace#x'  \n"
      "TARGET_IMAGE=\"img:1\\\"q\\\"\"\r\n"
      "EMPTY=\n",
      ".env");
  REQUIRE_FALSE(r.error);
  CHECK(r.values.at("APP_PORT") == "9000");
  CHECK(r.values.at("LOG_LEVEL") == "debug");
  CHECK(r.values.at("API_KEY") == "sp ace#x");
  CHECK(r.values.at("TARGET_IMAGE") == "img:1\"q\"");
  CHECK(r.values.at("EMPTY").empty());
}

TEST_CASE("a malformed env file line is reported with file and line number") {
  auto r = parse_env_text("A=1\nthis is not an assignment\n", "/x/.env");
  REQUIRE(r.error);
  CHECK(r.error->find("/x/.env:2") != std::string::npos);
  auto q = parse_env_text("A=\"unterminated\n", "f");
  REQUIRE(q.error);
  CHECK(q.error->find("f:1") != std::string::npos);
  auto bad_name = parse_env_text("1X=2\n", "f");
  CHECK(bad_name.error);
}

TEST_CASE("a missing env file is an error") {
  auto r = read_env_file("/nonexistent/acepool.env");
  REQUIRE(r.error);
  CHECK(r.error->find("/nonexistent/acepool.env") != std::string::npos);
}

TEST_CASE("an env file on disk is read") {
  acepool::testing::temp_dir dir;
  auto path = dir.write("x.env", "MIN_REPLICAS=3\n");
  auto r = read_env_file(path);
  REQUIRE_FALSE(r.error);
  CHECK(r.values.at("MIN_REPLICAS") == "3");
}
