// The database on disk through stops, crashes, a full disk and a read-only volume: no record is
// lost or given a wrong end time, and a bad place is named for what it is.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <csignal>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/skip.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// acepool streaming from one simulator (no Docker needed) with its database in `db`.
std::map<std::string, std::string> durable_env(const sim_process& sim, const std::string& db) {
  return {{"STATIC_ENGINES", "127.0.0.1:" + std::to_string(sim.port())},
          {"MIN_REPLICAS", "0"},
          {"MIN_FREE_REPLICAS", "0"},
          {"DOCKER_HOST", "unix:///nonexistent/acepool-test.sock"},
          {"DB_URL", "sqlite:///" + db},
          {"LOG_LEVEL", "info"}};
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// (ended, end_reason, started_at ms, ended_at ms) of every stream row.
struct stored_stream {
  bool ended = false;
  std::string reason;
  int64_t started_at = 0;
  int64_t ended_at = 0;
};

std::vector<stored_stream> stored_streams(const std::string& path) {
  std::vector<stored_stream> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return out;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT ended, end_reason, started_at, ended_at FROM streams", -1, &st,
                     nullptr);
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    stored_stream s;
    s.ended = sqlite3_column_int(st, 0) != 0;
    if (auto* r = sqlite3_column_text(st, 1)) s.reason = reinterpret_cast<const char*>(r);
    s.started_at = sqlite3_column_int64(st, 2);
    s.ended_at = sqlite3_column_int64(st, 3);
    out.push_back(s);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

/// A tmpfs of `size` mounted on a fresh directory for the test, unmounted afterwards.
class small_disk {
 public:
  explicit small_disk(const std::string& size) {
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~small_disk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& path() const { return dir_.path(); }
  bool remount(const std::string& options) {
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT, options.c_str()) == 0;
  }
  bool read_only() {
    return ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }

 private:
  temp_dir dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE(
    "store: a relay stream open at SIGTERM is recorded ended at the stop, not at the next "
    "start") {
  sim_process sim;
  temp_dir dir;
  auto db = dir.path() + "/acepool.db";
  int64_t stopped_at = 0;
  {
    acepool_process ace(durable_env(sim, db));
    stream_reader r(ace.url("/ace/getstream?id=stopstop"));
    REQUIRE(r.wait_for_bytes(50000, 20s));
    stopped_at = now_ms();
    REQUIRE(ace.stop(SIGTERM) == 0);
  }
  auto rows = stored_streams(db);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].ended);
  CHECK(rows[0].reason == "shutdown");
  CHECK(rows[0].ended_at >= rows[0].started_at);
  CHECK(rows[0].ended_at <= stopped_at + 5000);
  // The next start, later, leaves it as it was.
  std::this_thread::sleep_for(2s);
  acepool_process again(durable_env(sim, db));
  auto ended = json_of(again.get("/streams?status=ended"));
  REQUIRE(ended.size() == 1);
  CHECK(stored_streams(db)[0].ended_at == rows[0].ended_at);
}

TEST_CASE(
    "store: after a kill -9 its open streams end when it was last alive, not at the restart") {
  sim_process sim;
  temp_dir dir;
  auto db = dir.path() + "/acepool.db";
  int64_t killed_at = 0;
  {
    acepool_process ace(durable_env(sim, db));
    stream_reader r(ace.url("/ace/getstream?id=crashcrash"));
    REQUIRE(r.wait_for_bytes(50000, 20s));
    std::this_thread::sleep_for(2s);  // the record and a heartbeat reach the file
    killed_at = now_ms();
    ace.process().signal(SIGKILL);
    ace.process().wait(10s);
  }
  auto before = stored_streams(db);
  REQUIRE(before.size() == 1);
  CHECK_FALSE(before[0].ended);
  std::this_thread::sleep_for(3s);
  auto restarted_at = now_ms();
  acepool_process again(durable_env(sim, db));
  REQUIRE(eventually([&] { return stored_streams(db).at(0).ended; }, 10s));
  auto after = stored_streams(db)[0];
  CHECK(after.reason == "shutdown");
  CHECK(after.ended_at >= after.started_at);
  CHECK(after.ended_at <= killed_at);    // the last heartbeat (at most 30 s before the kill)
  CHECK(after.ended_at < restarted_at);  // not the restart, 3 s later
}

TEST_CASE("store: on a full disk no record is lost, and the file catches up when space returns") {
  if (::geteuid() != 0) skip_test("needs root to mount a small tmpfs");
  small_disk disk("600k");
  REQUIRE(disk.mounted());
  sim_process sim;
  auto db = disk.path() + "/acepool.db";
  acepool_process ace(durable_env(sim, db));
  // Records padded with labels (8 of 250 bytes, within the event limits): 1,001 of them need far
  // more than 600 KB.
  json pad = json::object();
  for (int l = 0; l < 8; ++l)
    pad["pad" + std::to_string(l)] = std::string(250, 'p');
  std::vector<std::string> keys;
  for (int i = 0; i < 1001; ++i) {
    json ev{{"container_id", "static-127.0.0.1-" + std::to_string(sim.port())},
            {"engine", {{"host", "127.0.0.1"}, {"port", sim.port()}}},
            {"stream", {{"key_type", "content_id"}, {"key", "full" + std::to_string(i)}}},
            {"session",
             {{"playback_session_id", "ps" + std::to_string(i)},
              {"stat_url", "http://127.0.0.1:1/ace/stat/x/" + std::to_string(i)},
              {"command_url", "http://127.0.0.1:1/ace/cmd/x/" + std::to_string(i)},
              {"is_live", 1}}},
            {"labels", pad}};
    REQUIRE(ace.post("/events/stream_started", ev.dump()).status == 200);
  }
  REQUIRE(eventually(
      [&] { return ace.process().stderr_text().find("store.write_failed") != std::string::npos; },
      15s));
  CHECK(stored_streams(db).size() < 1001);
  REQUIRE(disk.remount("size=64m"));  // space returns
  REQUIRE(eventually([&] { return stored_streams(db).size() == 1001; }, 20s));
  // The line follows the commit that made the rows visible: wait for it, do not race it.
  CHECK(eventually(
      [&] { return ace.process().stderr_text().find("store.recovered") != std::string::npos; },
      5s));
  CHECK(ace.process().stderr_text().find("store.dropped") == std::string::npos);
  CHECK(ace.get("/health").status == 200);
}

TEST_CASE("store: a database on a read-only volume is refused for that reason") {
  if (::geteuid() != 0) skip_test("needs root to mount a read-only tmpfs");
  small_disk disk("4m");
  REQUIRE(disk.mounted());
  auto db = disk.path() + "/acepool.db";
  {
    sim_process sim;
    acepool_process first(durable_env(sim, db));  // creates the file
  }
  REQUIRE(disk.read_only());
  sim_process sim;
  auto env = durable_env(sim, db);
  env["APP_PORT"] = "0";
  env["APP_BIND"] = "127.0.0.1";
  auto r = run_program(acepool_binary(), {}, env);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("DB_URL") && Catch::Contains("read-only"));
  CHECK_THAT(r.err, !Catch::Contains("not a SQLite database"));
}
