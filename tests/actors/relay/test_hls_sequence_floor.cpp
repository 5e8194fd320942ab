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

TEST_CASE("a key never seen starts at the wall clock in milliseconds, with no discontinuity") {
  hls_sequence_floor floor;
  auto s = floor.start("abc", at_ms(1'800'000'000'123));
  CHECK(s.sequence == 1'800'000'000'123);
  CHECK(s.discontinuities == 0);
  CHECK_FALSE(s.after_earlier);
}

TEST_CASE("a relay that ran ahead of the clock makes the next one of its key start above it") {
  hls_sequence_floor floor;
  auto now = at_ms(1'800'000'000'000);
  auto first = floor.start("burst", now).sequence;
  // A stream delivered far faster than real time: 5000 segments within one second.
  floor.remember("burst", first + 5000, 0);
  auto next = floor.start("burst", now + 1s);
  CHECK(next.sequence == first + 5000);
  CHECK(next.after_earlier);  // another engine session: its first segment is a discontinuity
  // Once the clock has passed it, the clock rules again.
  CHECK(floor.start("burst", now + 10s).sequence == first + 10'000);
}

TEST_CASE("the discontinuity sequence of a key never goes back across its relays") {
  hls_sequence_floor floor;
  floor.remember("k", 100, 3);
  CHECK(floor.start("k", at_ms(0)).discontinuities == 3);
  floor.remember("k", 50, 1);  // lower numbers never lower what was given out
  auto s = floor.start("k", at_ms(0));
  CHECK(s.sequence == 100);
  CHECK(s.discontinuities == 3);
}

TEST_CASE("other keys keep the clock's start (or a higher one, never a lower one)") {
  hls_sequence_floor floor;
  floor.remember("one", 9'000'000'000'000, 7);
  auto now = at_ms(1'800'000'000'000);
  int raised = 0;
  for (int i = 0; i < 1000; ++i) {
    auto s = floor.start("key-" + std::to_string(i), now);
    CHECK(s.sequence >= 1'800'000'000'000);
    raised += s.after_earlier ? 1 : 0;
  }
  // Shared slots are rare: 1000 keys in 4096 slots; only one slot holds anything.
  CHECK(raised <= 3);
}

TEST_CASE("a clock before the epoch starts at 0") {
  hls_sequence_floor floor;
  CHECK(floor.start("k", at_ms(-5000)).sequence == 0);
}
