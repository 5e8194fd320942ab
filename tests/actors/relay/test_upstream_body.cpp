#include <catch2/catch.hpp>

#include <string>

#include "actors/relay/upstream_body.hpp"

namespace {

using acepool::relay::upstream_body;

// "hello world" in three chunks, an extension and a trailer.
const std::string framed =
    "5\r\nhello\r\n1;name=v\r\n \r\nA\r\nworld, abc\r\n0\r\nX-Trailer: 1\r\n\r\n";

}  // namespace

TEST_CASE("upstream_body: a chunked body comes out whole however the bytes are split") {
  for (size_t split = 0; split <= framed.size(); ++split) {
    upstream_body b(true);
    std::string out;
    b.decode(framed.data(), split, out);
    b.decode(framed.data() + split, framed.size() - split, out);
    CHECK(out == "hello world, abc");
    CHECK(b.ended());
  }
}

TEST_CASE("upstream_body: a decoder handed over at any byte continues exactly where it stood") {
  for (size_t split = 0; split <= framed.size(); ++split) {
    upstream_body first(true);
    std::string out;
    first.decode(framed.data(), split, out);
    auto restored = upstream_body::from_json(nlohmann::json::parse(first.to_json().dump()));
    REQUIRE(restored);
    restored->decode(framed.data() + split, framed.size() - split, out);
    CHECK(out == "hello world, abc");
    CHECK(restored->ended());
  }
}

TEST_CASE("upstream_body: a body that is not chunked passes as it is") {
  upstream_body b(false);
  std::string out;
  CHECK(b.decode("0\r\nabc", 6, out));
  CHECK(out == "0\r\nabc");
  CHECK_FALSE(b.ended());
}

TEST_CASE("upstream_body: broken framing stops the body instead of passing garbage") {
  for (std::string bad : {"zz\r\n", "5\r\nhelloXX", "5\nhello", "\r\n", "1234567890abcdef0\r\n"}) {
    upstream_body b(true);
    std::string out;
    CHECK_FALSE(b.decode(bad.data(), bad.size(), out));
    CHECK(out.size() <= 5);
  }
}

TEST_CASE("upstream_body: a state this version did not write is refused") {
  CHECK_FALSE(upstream_body::from_json(nullptr));
  CHECK_FALSE(upstream_body::from_json({{"chunked", true},
                                        {"state", "nonsense"},
                                        {"remaining", 0},
                                        {"size_digits", 0},
                                        {"trailer_line_empty", true}}));
  CHECK_FALSE(upstream_body::from_json({{"chunked", true},
                                        {"state", "data"},
                                        {"remaining", -1},
                                        {"size_digits", 0},
                                        {"trailer_line_empty", true}}));
  CHECK(upstream_body::from_json({{"chunked", true},
                                  {"state", "data"},
                                  {"remaining", 7},
                                  {"size_digits", 1},
                                  {"trailer_line_empty", true}}));
}
