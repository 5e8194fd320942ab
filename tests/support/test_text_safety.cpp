#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/text_safety.hpp"

using namespace acepool::support;

TEST_CASE("UTF-8 validation accepts text and rejects every malformed form") {
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8("acestream-1"));
  CHECK(is_valid_utf8("Ünïcødé ✓ 😀"));
  CHECK(is_valid_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xFF"));              // never a UTF-8 byte
  CHECK_FALSE(is_valid_utf8("\x80"));              // continuation first
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xE2\x9C"));          // truncated
  CHECK_FALSE(is_valid_utf8("ok\xC3"));            // truncated at the end
}

TEST_CASE("control characters are found, printable text is not") {
  CHECK(has_control_chars(std::string("a\0b", 3)));
  CHECK(has_control_chars("line\nbreak"));
  CHECK(has_control_chars("del\x7F"));
  CHECK_FALSE(has_control_chars("plain text, ünïcødé"));
}

TEST_CASE("serialising outside text never throws, invalid bytes become U+FFFD") {
  nlohmann::json j{{"id", "\xFF\xFE"}, {"ok", "fine"}};
  CHECK_THROWS(j.dump());
  CHECK(dump_json(j) == "{\"id\":\"\xEF\xBF\xBD\xEF\xBF\xBD\",\"ok\":\"fine\"}");
}
