#include <catch2/catch.hpp>

#include "config/command_line.hpp"

using namespace acepool::config;

namespace {

command_line_result parse(std::vector<const char*> args) {
  args.insert(args.begin(), "acepool");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

}  // namespace

TEST_CASE("every flag of docs/configuration.md is recognised") {
  auto r = parse({"--env-file", "/x.env", "--print-config", "--help", "--version",
                  "--cleanup-on-exit", "--healthcheck"});
  REQUIRE(r.parsed);
  CHECK(r.parsed->env_file == "/x.env");
  CHECK(r.parsed->print_config);
  CHECK(r.parsed->help);
  CHECK(r.parsed->version);
  CHECK(r.parsed->cleanup_on_exit);
  CHECK(r.parsed->healthcheck);
  CHECK(parse({"--env-file=/y.env"}).parsed->env_file == "/y.env");
  CHECK(parse({"--print-config-reference=markdown"}).parsed->print_reference == "markdown");
  CHECK_FALSE(parse({}).parsed->help);
}

TEST_CASE("bad arguments are reported in one line") {
  CHECK_THAT(parse({"--port=1"}).error, Catch::Contains("unknown argument \"--port=1\""));
  CHECK_THAT(parse({"--env-file"}).error, Catch::Contains("--env-file needs a path"));
  CHECK_THAT(parse({"--env-file="}).error, Catch::Contains("--env-file needs a path"));
  CHECK_THAT(parse({"--print-config-reference=pdf"}).error, Catch::Contains("markdown or env"));
  // CAF options are not accepted: CAF never sees argv.
  CHECK_FALSE(parse({"--scheduler.policy=sharing"}).parsed);
}
