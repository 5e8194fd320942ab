#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "actors/store/database.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool;
using namespace acepool::store;
using namespace std::chrono_literals;
using acepool::testing::temp_dir;

namespace {

const auto db_t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));

actors::stream_record db_stream(const std::string& id, bool ended = false) {
  actors::stream_record s;
  s.id = id;
  s.key_type = "infohash";
  s.key = "abc";
  s.container_id = "c1";
  s.playback_session_id = "ps";
  s.stat_url = "http://127.0.0.1:19001/ace/stat/a/b";
  s.command_url = "http://127.0.0.1:19001/ace/cmd/a/b";
  s.started_at = db_t0;
  s.labels = {{"stream_id", id}};
  if (ended) {
    s.ended = true;
    s.ended_at = db_t0 + 10s;
    s.end_reason = "stale_stream_detected";
  }
  return s;
}

actors::stats_snapshot db_snapshot(int i) {
  actors::stats_snapshot x;
  x.ts = db_t0 + std::chrono::seconds(i);
  x.peers = i;
  x.status = "dl";
  return x;
}

void run_sql(const std::string& path, const std::string& text) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

TEST_CASE(
    "database: a new file gets the schema, a reopened one gives back streams, stats and engines") {
  temp_dir dir;
  auto path = dir.path() + "/acepool.db";
  {
    auto opened = database::open(path);
    REQUIRE(opened.db);
    auto& db = *opened.db;
    actors::engine_record e;
    e.container_id = "c1";
    e.first_seen = db_t0 - 1h;
    e.last_seen = db_t0;
    CHECK_FALSE(db.upsert_engine(e));
    CHECK_FALSE(db.upsert_stream(db_stream("live")));
    CHECK_FALSE(db.upsert_stream(db_stream("done", true)));
    for (int i = 0; i < 5; ++i)
      CHECK_FALSE(db.insert_stats("live", db_snapshot(i)));
  }
  auto reopened = database::open(path);
  REQUIRE(reopened.db);
  auto h = reopened.db->load(db_t0, 3);
  CHECK(h.engine_first_seen.at("c1") == db_t0 - 1h);
  REQUIRE(h.streams.size() == 2);
  const auto& [live, stats] = h.streams[0].first.id == "live" ? h.streams[0] : h.streams[1];
  CHECK(live.stat_url == "http://127.0.0.1:19001/ace/stat/a/b");
  CHECK(live.labels.at("stream_id") == "live");
  REQUIRE(stats.size() == 3);  // the newest three, oldest first
  CHECK(stats.front().peers == 2);
  CHECK(stats.back().peers == 4);
  CHECK(stats.back().status == "dl");
  const auto& done = h.streams[0].first.id == "done" ? h.streams[0].first : h.streams[1].first;
  CHECK(done.ended);
  CHECK(done.end_reason == "stale_stream_detected");
  CHECK(done.ended_at == db_t0 + 10s);
}

TEST_CASE("database: streams that ended before the cutoff are neither loaded nor kept by purge") {
  temp_dir dir;
  auto opened = database::open(dir.path() + "/a.db");
  REQUIRE(opened.db);
  auto& db = *opened.db;
  db.upsert_stream(db_stream("live"));
  db.upsert_stream(db_stream("done", true));
  db.insert_stats("done", db_snapshot(1));
  CHECK(db.load(db_t0 + 11s, 10).streams.size() == 1);  // ended at db_t0+10s
  auto [purged, err] = db.purge(db_t0 + 11s);
  CHECK_FALSE(err);
  CHECK(purged == 1);
  CHECK(db.load(db_t0, 10).streams.size() == 1);
}

TEST_CASE("database: stats rows are trimmed to STATS_HISTORY_MAX per stream") {
  temp_dir dir;
  auto opened = database::open(dir.path() + "/a.db");
  REQUIRE(opened.db);
  auto& db = *opened.db;
  db.upsert_stream(db_stream("a"));
  db.upsert_stream(db_stream("b"));
  for (int i = 0; i < 10; ++i)
    db.insert_stats("a", db_snapshot(i));
  db.insert_stats("b", db_snapshot(1));
  auto [trimmed, err] = db.trim_stats(4);
  CHECK_FALSE(err);
  CHECK(trimmed == 6);
  auto h = db.load(db_t0, 100);
  for (const auto& [s, stats] : h.streams)
    CHECK(stats.size() == (s.id == "a" ? 4u : 1u));
}

TEST_CASE("database: a foreign, corrupt, newer or unreachable file is refused with a hint") {
  temp_dir dir;
  auto foreign = dir.path() + "/orchestrator.db";
  run_sql(foreign,
          "CREATE TABLE engines (container_id TEXT); CREATE TABLE stream_state (id TEXT);");
  auto f = database::open(foreign);
  CHECK_FALSE(f.db);
  CHECK_THAT(f.error, Catch::Contains("another application") &&
                          Catch::Contains("engines, stream_state") &&
                          Catch::Contains("point DB_URL at a new file"));

  auto corrupt = dir.write("corrupt.db", std::string(8192, 'x'));
  auto c = database::open(corrupt);
  CHECK_FALSE(c.db);
  CHECK_THAT(c.error, Catch::Contains("is not a SQLite database or is corrupt") &&
                          Catch::Contains("point DB_URL at a new file"));

  auto newer = dir.path() + "/newer.db";
  REQUIRE(database::open(newer).db);
  run_sql(newer, "UPDATE acepool_meta SET value = '99' WHERE key = 'schema_version'");
  auto n = database::open(newer);
  CHECK_FALSE(n.db);
  CHECK_THAT(n.error, Catch::Contains("newer acepool"));

  auto file = dir.write("plain-file", "x");
  auto u = database::open(file + "/acepool.db");
  CHECK_FALSE(u.db);
  CHECK_THAT(u.error, Catch::Contains("cannot open"));
}

TEST_CASE("database: a full disk makes writes fail with an error, never a crash") {
  temp_dir dir;
  auto opened = database::open(dir.path() + "/full.db");
  REQUIRE(opened.db);
  auto& db = *opened.db;
  db.limit_pages(8);
  std::optional<std::string> err;
  auto big = db_stream("s");
  big.labels["pad"] = std::string(4000, 'p');
  for (int i = 0; i < 50 && !err; ++i) {
    big.id = "s" + std::to_string(i);
    err = db.upsert_stream(big);
  }
  REQUIRE(err);
  CHECK_THAT(*err, Catch::Contains("full"));
}

TEST_CASE("database: a file another process holds locked is named as locked, not as broken") {
  temp_dir dir;
  auto path = dir.path() + "/locked.db";
  REQUIRE(database::open(path).db);
  run_sql(path, "PRAGMA journal_mode = DELETE");
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto l = database::open(path);
  CHECK_FALSE(l.db);
  CHECK_THAT(l.error, Catch::Contains("locked by another process") &&
                          Catch::Contains("another acepool using the same DB_URL"));
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  CHECK(database::open(path).db);
}

TEST_CASE("database: the heartbeat is read back as when the previous process was last alive") {
  temp_dir dir;
  auto path = dir.path() + "/alive.db";
  {
    auto db = database::open(path).db;
    CHECK_FALSE(db->load({}, 10).last_alive);
    REQUIRE_FALSE(db->mark_alive(db_t0));
  }
  auto db = database::open(path).db;
  REQUIRE(db->load({}, 10).last_alive);
  CHECK(*db->load({}, 10).last_alive == db_t0);
}
