#include <catch2/catch.hpp>

#include "actors/store/database.hpp"
#include "actors/store/write_queue.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool;
using namespace acepool::store;
using namespace std::chrono_literals;
using acepool::testing::temp_dir;

namespace {

const auto wq_t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));

actors::stream_record wq_stream(const std::string& id, size_t pad = 0) {
  actors::stream_record s;
  s.id = id;
  s.started_at = wq_t0;
  if (pad > 0) s.labels["pad"] = std::string(pad, 'p');
  return s;
}

actors::stats_snapshot wq_stats(int i) {
  actors::stats_snapshot x;
  x.ts = wq_t0 + std::chrono::seconds(i);
  x.peers = i;
  return x;
}

struct wq_db {
  temp_dir dir;
  std::unique_ptr<database> db = database::open(dir.path() + "/q.db").db;
  size_t streams() {
    return database::open(dir.path() + "/q.db").db->load({}, 1000).streams.size();
  }
};

}  // namespace

TEST_CASE("write queue: the newest version of a record replaces the pending one") {
  write_queue q(100);
  for (int i = 0; i < 50; ++i) {
    auto s = wq_stream("s1");
    s.is_live = i % 2 == 0;
    q.put(s);
  }
  q.put(wq_stream("s2"));
  CHECK(q.size() == 2);
  wq_db f;
  auto out = q.write_to(*f.db);
  CHECK_FALSE(out.error);
  CHECK(out.written == 2);
  CHECK(q.empty());
  auto loaded = f.db->load({}, 10).streams;
  REQUIRE(loaded.size() == 2);
  CHECK_FALSE(loaded[0].first.is_live);  // the 50th version (i = 49)
}

TEST_CASE("write queue: a disk that refuses writes loses nothing, and the file catches up") {
  wq_db f;
  f.db->limit_pages(6);
  write_queue q(100000);
  for (int i = 0; i < 1000; ++i)
    q.put(wq_stream("s" + std::to_string(i), 500));
  for (int i = 0; i < 5; ++i) {
    auto out = q.write_to(*f.db);
    REQUIRE(out.error);
    CHECK_THAT(*out.error, Catch::Contains("full"));
  }
  CHECK(q.size() == 1000);
  CHECK(q.take_dropped().empty());
  f.db->limit_pages(1000000);  // space returns
  auto out = q.write_to(*f.db);
  CHECK_FALSE(out.error);
  CHECK(out.written == 1000);
  CHECK(f.streams() == 1000);
}

TEST_CASE(
    "write queue: beyond its bound the oldest stats go first, then the oldest records, named") {
  write_queue q(5);
  q.put(wq_stream("old"));
  q.put("old", wq_stats(1));
  q.put("old", wq_stats(2));
  q.put(wq_stream("mid"));
  q.put(wq_stream("new"));
  CHECK(q.size() == 5);
  q.put("new", wq_stats(3));  // one over: the oldest stats row goes
  auto d = q.take_dropped();
  CHECK(d.stats_rows == 1);
  CHECK(d.stream_ids.empty());
  q.put(wq_stream("newest"));  // over again: the other stats rows first
  q.put(wq_stream("latest"));
  d = q.take_dropped();
  CHECK(d.stats_rows == 2);
  CHECK(d.stream_ids.empty());
  q.put(wq_stream("last"));  // only records left: the oldest record goes, by name
  d = q.take_dropped();
  CHECK(d.stream_ids == std::vector<std::string>{"old"});
  CHECK(q.size() == 5);
  CHECK(q.take_dropped().empty());
}
