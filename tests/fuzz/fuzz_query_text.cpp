// Query strings, percent-decoding and encoding, UTF-8 and control-character checks, and the
// JSON serialisation of whatever came in: no throw, encode/decode round trips.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "http/query_string.hpp"
#include "support/text_safety.hpp"

using namespace acepool;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  if (auto q = http::query_params::parse(in)) {
    for (const auto& [k, v] : q->items()) {
      (void)support::is_valid_utf8(k);
      (void)support::has_control_chars(v);
      (void)support::dump_json(nlohmann::json{{"k", k}, {"v", v}});
    }
  }
  for (bool plus : {false, true}) {
    if (auto d = http::percent_decode(in, plus)) {
      auto again = http::percent_decode(http::percent_encode(*d));
      if (!again || *again != *d) std::abort();
    }
  }
  auto dumped = support::dump_json(nlohmann::json(in));
  if (support::is_valid_utf8(in) && nlohmann::json::parse(dumped).get<std::string>() != in)
    std::abort();
  return 0;
}
