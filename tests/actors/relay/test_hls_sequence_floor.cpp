#include <catch2/catch.hpp>

#include "actors/relay/hls_sequence_floor.hpp"

using acepool::relay::hls_sequence_floor;
using std::chrono::system_clock;
using namespace std::chrono_literals;

namespace {

system_clock::time_point at_ms(int64_t ms) {
  return system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

TEST_CASE("a key never seen starts at the wall clock in 10 ms steps") {
  hls_sequence_floor floor;
  CHECK(floor.first_sequence("abc", at_ms(1'800'000'000'000)) == 180'000'000'000);
  CHECK(floor.first_sequence("abc", at_ms(1'800'000'000'009)) == 180'000'000'000);
  CHECK(floor.first_sequence("abc", at_ms(1'800'000'000'010)) == 180'000'000'001);
}

TEST_CASE("a relay that ran ahead of the clock makes the next one of its key start above it") {
  hls_sequence_floor floor;
  auto start = at_ms(1'800'000'000'000);
  auto first = floor.first_sequence("burst", start);
  // A stream delivered far faster than real time: 500 segments within one second.
  floor.remember("burst", first + 500);
  CHECK(floor.first_sequence("burst", start + 1s) == first + 500);
  // Once the clock has passed it, the clock rules again.
  CHECK(floor.first_sequence("burst", start + 10s) == first + 1000);
}

TEST_CASE("remembering a lower number never lowers the floor") {
  hls_sequence_floor floor;
  floor.remember("k", 5'000'000'000'000);
  floor.remember("k", 7);
  CHECK(floor.first_sequence("k", at_ms(0)) == 5'000'000'000'000);
}

TEST_CASE("other keys keep the clock's start (or a higher one, never a lower one)") {
  hls_sequence_floor floor;
  floor.remember("one", 9'000'000'000'000);
  auto now = at_ms(1'800'000'000'000);
  int raised = 0;
  for (int i = 0; i < 1000; ++i) {
    auto s = floor.first_sequence("key-" + std::to_string(i), now);
    CHECK(s >= 180'000'000'000);
    raised += s > 180'000'000'000 ? 1 : 0;
  }
  // Shared slots are rare: 1000 keys in 4096 slots; only one slot was raised.
  CHECK(raised <= 3);
}

TEST_CASE("a clock before the epoch starts at 0") {
  hls_sequence_floor floor;
  CHECK(floor.first_sequence("k", at_ms(-5000)) == 0);
}
