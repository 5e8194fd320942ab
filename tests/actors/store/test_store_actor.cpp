#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <caf/scoped_actor.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/store/database.hpp"
#include "actors/store/store.hpp"
#include "support/metrics_registry.hpp"
#include "tests/common/api_server.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool;
using namespace std::chrono_literals;
using acepool::testing::temp_dir;

namespace {

const auto store_t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));

actors::stream_record padded_stream(const std::string& id, size_t pad) {
  actors::stream_record s;
  s.id = id;
  s.started_at = store_t0;
  s.labels["pad"] = std::string(pad, 'p');
  return s;
}

/// A store on its own actor system, writing to a file in a temp directory.
struct store_fixture {
  explicit store_fixture(store::store_options options) {
    auto opened = store::database::open(dir.path() + "/store.db");
    REQUIRE(opened.db);
    db = std::move(opened.db);
    actor = store::spawn_store(sys, directory, db, &metrics, options);
  }
  ~store_fixture() {
    self->monitor(actor);
    self->send_exit(actor, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(10s) >> [] { FAIL("the store did not stop"); });
  }
  bool flush() {
    bool ok = false;
    self->request(actor, 10s, actors::flush_atom::value)
        .receive([&](caf::ok_atom) { ok = true; }, [](caf::error&) {});
    return ok;
  }
  size_t stored_streams() {
    return store::database::open(dir.path() + "/store.db").db->load({}, 10).streams.size();
  }

  temp_dir dir;
  testing::production_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  actors::actor_directory directory;
  metrics::registry metrics;
  std::shared_ptr<store::database> db;
  caf::actor actor;
};

}  // namespace

TEST_CASE("store: writes arrive as messages and reach the file in batches") {
  store::store_options o;
  o.flush_every = 100ms;
  store_fixture f(o);
  for (int i = 0; i < 100; ++i)
    caf::anon_send(f.actor, actors::store_stream_atom::value,
                   padded_stream("s" + std::to_string(i), 10));
  REQUIRE(f.flush());
  CHECK(f.stored_streams() == 100);
  CHECK(f.metrics.counter("acepool_store_writes_total", "").value() == 100);
}

TEST_CASE(
    "store: while the disk is full nothing is lost, and the file catches up when space returns") {
  store::store_options o;
  o.flush_every = 1h;
  store_fixture f(o);
  f.db->limit_pages(6);
  for (int i = 0; i < 1000; ++i)
    caf::anon_send(f.actor, actors::store_stream_atom::value,
                   padded_stream("s" + std::to_string(i), 500));
  for (int i = 0; i < 10; ++i)
    CHECK(f.flush());  // each answers, although every write fails
  CHECK(f.metrics.counter("acepool_store_dropped_total", "").value() == 0);
  f.db->limit_pages(1000000);
  REQUIRE(f.flush());
  CHECK(f.stored_streams() == 1000);
  CHECK(f.metrics.counter("acepool_store_writes_total", "").value() == 1000);
}

TEST_CASE("store: beyond its pending bound it gives up the oldest, counted, and keeps answering") {
  store::store_options o;
  o.flush_every = 1h;
  o.max_pending = 50;
  store_fixture f(o);
  f.db->limit_pages(6);
  for (int i = 0; i < 200; ++i)
    caf::anon_send(f.actor, actors::store_stream_atom::value,
                   padded_stream("s" + std::to_string(i), 3000));
  CHECK(f.flush());
  CHECK(f.metrics.counter("acepool_store_dropped_total", "").value() == 150);
  f.db->limit_pages(1000000);
  REQUIRE(f.flush());
  CHECK(f.stored_streams() == 50);  // the newest 50
}

TEST_CASE("store: stats rows of streams without a record are purged") {
  store::store_options o;
  o.flush_every = 1h;
  o.purge_every = 1h;
  store_fixture f(o);
  actors::stats_snapshot x;
  x.ts = store_t0;
  caf::anon_send(f.actor, actors::store_stream_atom::value, padded_stream("kept", 1));
  caf::anon_send(f.actor, actors::store_stats_atom::value, std::string("kept"), x);
  caf::anon_send(f.actor, actors::store_stats_atom::value, std::string("orphan"), x);
  REQUIRE(f.flush());
  caf::anon_send(f.actor, actors::purge_atom::value);
  REQUIRE(f.flush());  // behind the purge
  auto count = [&](const std::string& id) {
    sqlite3* db = nullptr;
    sqlite3_open((f.dir.path() + "/store.db").c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM stats WHERE stream_id = ?1", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_step(st);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  };
  CHECK(count("kept") == 1);
  CHECK(count("orphan") == 0);
}
