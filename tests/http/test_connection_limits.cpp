#include <catch2/catch.hpp>

#include "http/connection_limits.hpp"

using namespace acepool::http;

TEST_CASE("MAX_CONNECTIONS stays below the open-file limit with room for everything else") {
  CHECK(effective_max_connections(0, 1048576) == 1000000);  // the ceiling
  CHECK(effective_max_connections(0, 65536) == 65536 - 512);
  CHECK(effective_max_connections(0, 1024) == 512);
  CHECK(effective_max_connections(0, 256) == 128);  // small limits: half
  CHECK(effective_max_connections(0, 10) == 16);    // never below 16
  CHECK(effective_max_connections(100, 65536) == 100);
  CHECK(effective_max_connections(5000, 1024) == 512);  // lowered
}

TEST_CASE("the body budget reserves up to its size and never overflows") {
  body_budget b(100);
  CHECK(b.reserve(60));
  CHECK_FALSE(b.reserve(41));
  CHECK(b.reserve(40));
  CHECK_FALSE(b.reserve(1));
  b.release(60);
  CHECK(b.used() == 40);
  CHECK_FALSE(b.reserve(UINT64_MAX));  // no wrap-around
  CHECK(b.reserve(60));
}

TEST_CASE("at the cap the longest idle connection is evicted, then 503, then drop") {
  auto table = std::make_shared<connection_table>(2, 1);
  int64_t idle_a = 0, idle_b = 0;
  int evicted_a = 0, evicted_b = 0;
  auto a = table->admit();
  auto b = table->admit();
  REQUIRE(a.slot);
  REQUIRE(b.slot);
  CHECK_FALSE(a.refuse);
  table->track(a.id, {[&] { return idle_a; }, [&] { ++evicted_a; }});
  table->track(b.id, {[&] { return idle_b; }, [&] { ++evicted_b; }});
  CHECK(table->open() == 2);
  // Both busy: the next one is admitted only to be refused, the one after that is dropped.
  auto refused = table->admit();
  REQUIRE(refused.slot);
  CHECK(refused.refuse);
  auto dropped = table->admit();
  CHECK_FALSE(dropped.slot);
  CHECK(table->dropped() == 1);
  refused.slot.reset();
  // Both idle: the one idle longest goes.
  idle_a = 2000;
  idle_b = 1000;
  auto c = table->admit();
  REQUIRE(c.slot);
  CHECK_FALSE(c.refuse);
  CHECK(evicted_b == 1);
  CHECK(evicted_a == 0);
  CHECK(table->evicted() == 1);
  // Places are given back when the last holder lets go.
  b.slot.reset();
  CHECK(table->open() == 2);
  a.slot.reset();
  c.slot.reset();
  CHECK(table->open() == 0);
}

TEST_CASE("asking a connection whether it is idle may drop its last reference without deadlock") {
  // A connection can go away while the table looks at it: its slot then leaves the table from
  // inside the table's own scan.
  auto table = std::make_shared<connection_table>(1, 1);
  auto first = table->admit();
  auto held = std::make_shared<std::shared_ptr<void>>(std::move(first.slot));
  table->track(first.id, {[held] {
                            held->reset();  // the last reference goes here
                            return int64_t{0};
                          },
                          [] {}});
  auto next = table->admit();  // scans for an idle connection to evict
  REQUIRE(next.slot);
  CHECK(table->open() == 1);
}
