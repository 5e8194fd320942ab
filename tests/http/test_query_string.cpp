#include <catch2/catch.hpp>

#include "http/query_string.hpp"

using namespace acepool::http;

TEST_CASE("percent decoding handles escapes, plus signs and malformed input") {
  CHECK(percent_decode("a%20b") == "a b");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%7c%7C") == "||");
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%4"));
  CHECK_FALSE(percent_decode("%xx"));
}

TEST_CASE("percent encoding keeps unreserved characters only") {
  CHECK(percent_encode("a b|c/d") == "a%20b%7Cc%2Fd");
  CHECK(percent_encode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(percent_decode(percent_encode("x|y?z:w")) == "x|y?z:w");
}

TEST_CASE("query strings keep order, repeats and flags") {
  auto q = query_params::parse("id=1&b=x%20y&flag&id=2&&");
  REQUIRE(q);
  CHECK(q->get("id") == "1");
  CHECK(q->get("b") == "x y");
  CHECK(q->has("flag"));
  CHECK(q->get("flag") == "");
  CHECK_FALSE(q->has("missing"));
  CHECK(q->items().size() == 4);
  CHECK_FALSE(query_params::parse("a=%zz"));
  CHECK(query_params::parse("")->items().empty());
}
