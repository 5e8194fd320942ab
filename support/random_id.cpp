#include "support/random_id.hpp"

#include <random>

namespace acepool::support {

std::string random_hex(size_t hex_chars) {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hex_chars);
  uint64_t bits = 0;
  for (size_t i = 0; i < hex_chars; ++i) {
    if (i % 16 == 0) bits = gen();
    out.push_back(digits[bits & 0xf]);
    bits >>= 4;
  }
  return out;
}

}  // namespace acepool::support
