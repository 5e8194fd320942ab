#include <catch2/catch.hpp>

#include <thread>

#include "http/connection_limits.hpp"

using namespace acepool::http;

TEST_CASE("MAX_CONNECTIONS stays below the open-file limit with room for everything else") {
  CHECK(effective_max_connections(0, 1048576) == 65536);        // automatic: at most 65,536
  CHECK(effective_max_connections(200000, 1048576) == 200000);  // more only when asked for
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
  int evicted_a = 0, evicted_b = 0;
  auto a = table->admit();
  auto b = table->admit();
  REQUIRE(a.slot);
  REQUIRE(b.slot);
  CHECK_FALSE(a.refuse);
  auto idle_a = std::make_shared<std::atomic<int64_t>>(0);
  auto idle_b = std::make_shared<std::atomic<int64_t>>(0);
  table->track(a.id, idle_a, [&] { ++evicted_a; });
  table->track(b.id, idle_b, [&] { ++evicted_b; });
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
  *idle_a = 2000;
  *idle_b = 1000;
  auto c = table->admit();
  REQUIRE(c.slot);
  CHECK_FALSE(c.refuse);
  CHECK(evicted_b == 1);
  CHECK(evicted_a == 0);
  CHECK(table->evicted() == 1);
  // A connection that got busy again is not a candidate any more.
  *idle_a = 0;
  b.slot.reset();
  auto d = table->admit();
  CHECK(evicted_a == 0);
  // Places are given back when the last holder lets go.
  a.slot.reset();
  c.slot.reset();
  d.slot.reset();
  CHECK(table->open() == 0);
}

TEST_CASE("at the cap a connection idle only since the last scan can still make room") {
  auto table = std::make_shared<connection_table>(3, 1);
  int evicted_a = 0, evicted_b = 0, evicted_x = 0;
  auto a = table->admit();
  auto b = table->admit();
  auto x = table->admit();
  auto idle_a = std::make_shared<std::atomic<int64_t>>(1000);
  auto idle_b = std::make_shared<std::atomic<int64_t>>(0);
  auto idle_x = std::make_shared<std::atomic<int64_t>>(1500);
  table->track(a.id, idle_a, [&] { ++evicted_a; });
  table->track(b.id, idle_b, [&] { ++evicted_b; });
  table->track(x.id, idle_x, [&] { ++evicted_x; });
  // The first arrival at the cap scans (a and x idle) and evicts the one idle longest.
  auto c = table->admit();
  CHECK_FALSE(c.refuse);
  CHECK(evicted_a == 1);
  a.slot.reset();
  table->track(c.id, std::make_shared<std::atomic<int64_t>>(0), [] {});
  // Since that scan x got busy and b idle: the remembered candidate is gone, b must be found.
  *idle_x = 0;
  *idle_b = 2000;
  std::this_thread::sleep_for(std::chrono::milliseconds(60));  // past the rescan interval
  auto d = table->admit();
  CHECK_FALSE(d.refuse);
  CHECK(evicted_b == 1);
  CHECK(evicted_x == 0);
}

TEST_CASE("a connection that leaves while the table closes another one causes no deadlock") {
  // Evicting may drop the last reference to a connection, whose slot then leaves the table.
  auto table = std::make_shared<connection_table>(1, 1);
  auto first = table->admit();
  auto held = std::make_shared<std::shared_ptr<void>>(std::move(first.slot));
  table->track(first.id, std::make_shared<std::atomic<int64_t>>(1000), [held] { held->reset(); });
  auto next = table->admit();
  REQUIRE(next.slot);
  CHECK_FALSE(next.refuse);
  CHECK(table->open() == 1);
}
