#include <catch2/catch.hpp>

#include "support/time_format.hpp"

using namespace acepool::support;
using namespace std::chrono;

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds and Z") {
  auto t = wall_clock::time_point(milliseconds(1767323045123));  // 2026-01-02T03:04:05.123Z
  CHECK(format_rfc3339(t) == "2026-01-02T03:04:05.123Z");
  CHECK(format_rfc3339(wall_clock::time_point(milliseconds(0))) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("RFC 3339 parsing accepts zones and fractions and rejects the rest") {
  auto t = parse_rfc3339("2026-01-02T03:04:05.123Z");
  REQUIRE(t);
  CHECK(duration_cast<milliseconds>(t->time_since_epoch()).count() == 1767323045123);
  auto offset = parse_rfc3339("2026-01-02T05:04:05+02:00");
  REQUIRE(offset);
  CHECK(duration_cast<seconds>(offset->time_since_epoch()).count() == 1767323045);
  CHECK(parse_rfc3339("2026-01-02T03:04:05Z"));
  CHECK_FALSE(parse_rfc3339("2026-01-02T03:04:05"));
  CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("yesterday"));
  CHECK_FALSE(parse_rfc3339("2026-01-02T03:04:05.Z"));
  CHECK_FALSE(parse_rfc3339("2026-13-02T03:04:05Z"));
}

TEST_CASE("formatting round-trips through parsing") {
  auto now = time_point_cast<milliseconds>(wall_clock::now());
  auto back = parse_rfc3339(format_rfc3339(now));
  REQUIRE(back);
  CHECK(time_point_cast<milliseconds>(*back) == now);
}
