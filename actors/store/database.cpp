#include "actors/store/database.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "support/text_safety.hpp"

namespace acepool::store {

namespace {

using wall = std::chrono::system_clock::time_point;

int64_t to_ms(wall t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
wall from_ms(int64_t ms) {
  return wall(std::chrono::milliseconds(ms));
}

/// A prepared statement, finalized on destruction.
class statement {
 public:
  statement(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) == SQLITE_OK;
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  bool ok() const { return ok_; }
  statement& text(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  statement& integer(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  statement& maybe(int i, const std::optional<int64_t>& v) {
    if (v)
      sqlite3_bind_int64(stmt_, i, *v);
    else
      sqlite3_bind_null(stmt_, i);
    return *this;
  }
  statement& maybe_text(int i, const std::optional<std::string>& v) {
    if (v)
      text(i, *v);
    else
      sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::string column_text(int i) {
    auto* p = sqlite3_column_text(stmt_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t column_int(int i) { return sqlite3_column_int64(stmt_, i); }
  std::optional<int64_t> column_maybe(int i) {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
    return column_int(i);
  }
  std::optional<std::string> column_maybe_text(int i) {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
    return column_text(i);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool ok_ = false;
};

std::optional<std::string> done(sqlite3* db, int rc) {
  if (rc == SQLITE_DONE || rc == SQLITE_ROW || rc == SQLITE_OK) return std::nullopt;
  return std::string(sqlite3_errmsg(db));
}

const char* const schema_sql = R"sql(
CREATE TABLE acepool_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE engines (container_id TEXT PRIMARY KEY, container_name TEXT, image TEXT, host TEXT, port INTEGER,
                      first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);
CREATE TABLE streams (id TEXT PRIMARY KEY, key_type TEXT, key TEXT, container_id TEXT, playback_session_id TEXT,
                      stat_url TEXT, command_url TEXT, is_live INTEGER, started_at INTEGER NOT NULL,
                      ended_at INTEGER, ended INTEGER NOT NULL, end_reason TEXT, source TEXT, labels TEXT);
CREATE TABLE stats (stream_id TEXT NOT NULL, ts INTEGER NOT NULL, peers INTEGER, speed_down INTEGER,
                    speed_up INTEGER, downloaded INTEGER, uploaded INTEGER, status TEXT);
CREATE INDEX stats_by_stream ON stats (stream_id, ts);
CREATE INDEX streams_by_end ON streams (ended, ended_at);
)sql";

const char* const hint = "point DB_URL at a new file, e.g. sqlite:///./acepool.db";

/// The one line saying why `path` cannot be used, by SQLite's error class: a wrong cause (a
/// read-only file called "not a database") sends the operator the wrong way.
std::string unusable(const std::string& path, sqlite3* db) {
  std::string msg = sqlite3_errmsg(db);
  switch (sqlite3_errcode(db) & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return path + " is not a SQLite database or is corrupt (" + msg + "): " + hint;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return path + " is locked by another process (" + msg +
             "): is another acepool using the same DB_URL?";
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_IOERR:
      return "cannot read and write " + path + " (" + msg +
             "): check the permissions of the file and its directory, and that the volume is "
             "not mounted read-only";
    case SQLITE_FULL:
      return "cannot write " + path + " (" + msg + "): the disk is full";
    default:
      return path + " cannot be used (" + msg + "): " + hint;
  }
}

/// The names of the tables in the file; none when it cannot be read (not a database, locked).
std::optional<std::set<std::string>> table_names(sqlite3* raw) {
  std::set<std::string> tables;
  statement q(raw, "SELECT name FROM sqlite_master WHERE type = 'table'");
  if (!q.ok()) return std::nullopt;
  int step;
  while ((step = q.step()) == SQLITE_ROW)
    tables.insert(q.column_text(0));
  if (step != SQLITE_DONE) return std::nullopt;
  return tables;
}

/// Why an existing file with `tables` is not acepool's database at a version this acepool can
/// use; nothing when it is.
std::optional<std::string> foreign_or_newer(sqlite3* raw, const std::string& path,
                                            const std::set<std::string>& tables) {
  if (!tables.count("acepool_meta")) {
    std::string names;
    for (const auto& t : tables)
      names += (names.empty() ? "" : ", ") + t;
    return path + " holds another application's database (tables: " + names +
           "; the old orchestrator's file?): " + hint;
  }
  statement v(raw, "SELECT value FROM acepool_meta WHERE key = 'schema_version'");
  int version = 0;
  if (v.ok() && v.step() == SQLITE_ROW) version = std::atoi(v.column_text(0).c_str());
  if (version > schema_version)
    return path + " was written by a newer acepool (schema " + std::to_string(version) +
           ", this one knows " + std::to_string(schema_version) + ")";
  if (version < 1) return path + " carries no schema version: " + hint;
  // Migrations from older versions go here, one step per version.
  return std::nullopt;
}

}  // namespace

database::opened database::open(const std::string& path) {
  opened out;
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  std::unique_ptr<database> db(new database(raw, path));
  if (rc != SQLITE_OK) {
    out.error =
        "cannot open " + path + ": " + sqlite3_errmsg(raw) + " (is its directory writable?)";
    return out;
  }
  sqlite3_busy_timeout(raw, 2000);
  if (sqlite3_db_readonly(raw, "main") == 1) {
    out.error = "cannot write " + path +
                ": it opens read-only (check the permissions of the file and its directory, and "
                "that the volume is not mounted read-only)";
    return out;
  }
  // Reading the schema is the first real access: a file that is not a database fails here.
  auto tables = table_names(raw);
  if (!tables) {
    out.error = unusable(path, raw);
    return out;
  }
  if (path != ":memory:" && db->exec("PRAGMA journal_mode = WAL")) {
    out.error = unusable(path, raw);
    return out;
  }
  if (tables->empty()) {
    if (auto err = db->create_schema()) {
      out.error = "cannot create the schema in " + path + ": " + *err + " (is the file writable?)";
      return out;
    }
  } else if (auto why = foreign_or_newer(raw, path, *tables)) {
    out.error = *why;
    return out;
  }
  // A write proves the file is writable (a read-only file opens fine and fails later).
  if (db->exec("INSERT OR REPLACE INTO acepool_meta (key, value) VALUES ('opened_at', "
               "datetime('now'))")) {
    out.error = unusable(path, raw);
    return out;
  }
  out.db = std::move(db);
  return out;
}

database::~database() {
  sqlite3_close(db_);
}

std::optional<std::string> database::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) == SQLITE_OK) return std::nullopt;
  std::string err = msg ? msg : sqlite3_errmsg(db_);
  sqlite3_free(msg);
  return err;
}

std::optional<std::string> database::create_schema() {
  if (auto err = exec(std::string("BEGIN;") + schema_sql)) {
    rollback();
    return err;
  }
  if (auto err = exec("INSERT INTO acepool_meta (key, value) VALUES ('application', 'acepool'), "
                      "('schema_version', '" +
                      std::to_string(schema_version) + "')")) {
    rollback();
    return err;
  }
  return exec("COMMIT");
}

std::optional<std::string> database::begin() {
  return exec("BEGIN");
}
std::optional<std::string> database::commit() {
  return exec("COMMIT");
}
void database::rollback() {
  exec("ROLLBACK");
}

std::optional<std::string> database::upsert_engine(const actors::engine_record& e) {
  statement s(db_,
              "INSERT INTO engines (container_id, container_name, image, host, port, first_seen, "
              "last_seen) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(container_id) DO UPDATE SET "
              "container_name = ?2, image = ?3, host = ?4, port = ?5, last_seen = ?7");
  if (!s.ok()) return std::string(sqlite3_errmsg(db_));
  s.text(1, e.container_id)
      .text(2, e.container_name)
      .text(3, e.image)
      .text(4, e.host)
      .integer(5, e.port);
  s.integer(6, to_ms(e.first_seen)).integer(7, to_ms(e.last_seen));
  return done(db_, s.step());
}

std::optional<std::string> database::upsert_stream(const actors::stream_record& r) {
  statement s(db_,
              "INSERT OR REPLACE INTO streams (id, key_type, key, container_id, "
              "playback_session_id, stat_url, "
              "command_url, is_live, started_at, ended_at, ended, end_reason, source, labels) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!s.ok()) return std::string(sqlite3_errmsg(db_));
  s.text(1, r.id)
      .text(2, r.key_type)
      .text(3, r.key)
      .text(4, r.container_id)
      .text(5, r.playback_session_id);
  s.text(6, r.stat_url)
      .text(7, r.command_url)
      .integer(8, r.is_live ? 1 : 0)
      .integer(9, to_ms(r.started_at));
  s.maybe(10, r.ended_at ? std::optional<int64_t>(to_ms(*r.ended_at)) : std::nullopt);
  s.integer(11, r.ended ? 1 : 0).maybe_text(12, r.end_reason).text(13, actors::to_string(r.source));
  s.text(14, support::dump_json(nlohmann::json(r.labels)));
  return done(db_, s.step());
}

std::optional<std::string> database::insert_stats(const std::string& stream_id,
                                                  const actors::stats_snapshot& x) {
  statement s(db_,
              "INSERT INTO stats (stream_id, ts, peers, speed_down, speed_up, downloaded, "
              "uploaded, status) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!s.ok()) return std::string(sqlite3_errmsg(db_));
  s.text(1, stream_id)
      .integer(2, to_ms(x.ts))
      .maybe(3, x.peers)
      .maybe(4, x.speed_down)
      .maybe(5, x.speed_up);
  s.maybe(6, x.downloaded).maybe(7, x.uploaded).maybe_text(8, x.status);
  return done(db_, s.step());
}

std::pair<size_t, std::optional<std::string>> database::purge(wall cutoff) {
  auto ms = std::to_string(to_ms(cutoff));
  if (auto err = exec("DELETE FROM stats WHERE stream_id IN (SELECT id FROM streams WHERE ended = "
                      "1 AND ended_at < " +
                      ms + ")"))
    return {0, err};
  if (auto err = exec("DELETE FROM streams WHERE ended = 1 AND ended_at < " + ms)) return {0, err};
  return {static_cast<size_t>(sqlite3_changes(db_)), std::nullopt};
}

std::pair<size_t, std::optional<std::string>> database::purge_orphan_stats() {
  if (auto err = exec("DELETE FROM stats WHERE stream_id NOT IN (SELECT id FROM streams)"))
    return {0, err};
  return {static_cast<size_t>(sqlite3_changes(db_)), std::nullopt};
}

std::optional<std::string> database::mark_alive(wall now) {
  return exec("INSERT OR REPLACE INTO acepool_meta (key, value) VALUES ('alive_at', '" +
              std::to_string(to_ms(now)) + "')");
}

std::pair<size_t, std::optional<std::string>> database::trim_stats(size_t history_max) {
  auto err = exec(
      "DELETE FROM stats WHERE rowid IN (SELECT rowid FROM (SELECT rowid, ROW_NUMBER() OVER "
      "(PARTITION BY stream_id ORDER BY ts DESC, rowid DESC) AS n FROM stats) WHERE n > " +
      std::to_string(history_max) + ")");
  if (err) return {0, err};
  return {static_cast<size_t>(sqlite3_changes(db_)), std::nullopt};
}

history database::load(wall cutoff, size_t history_max) {
  history h;
  {
    statement a(db_, "SELECT value FROM acepool_meta WHERE key = 'alive_at'");
    if (a.ok() && a.step() == SQLITE_ROW)
      h.last_alive = from_ms(std::strtoll(a.column_text(0).c_str(), nullptr, 10));
  }
  {
    statement s(db_, "SELECT container_id, first_seen FROM engines");
    while (s.ok() && s.step() == SQLITE_ROW)
      h.engine_first_seen[s.column_text(0)] = from_ms(s.column_int(1));
  }
  statement s(db_,
              "SELECT id, key_type, key, container_id, playback_session_id, stat_url, command_url, "
              "is_live, "
              "started_at, ended_at, ended, end_reason, source, labels FROM streams "
              "WHERE ended = 0 OR ended_at >= ?1 ORDER BY ended, ended_at, started_at");
  if (!s.ok()) return h;
  s.integer(1, to_ms(cutoff));
  while (s.step() == SQLITE_ROW) {
    actors::stream_record r;
    r.id = s.column_text(0);
    r.key_type = s.column_text(1);
    r.key = s.column_text(2);
    r.container_id = s.column_text(3);
    r.playback_session_id = s.column_text(4);
    r.stat_url = s.column_text(5);
    r.command_url = s.column_text(6);
    r.is_live = s.column_int(7) != 0;
    r.started_at = from_ms(s.column_int(8));
    if (auto e = s.column_maybe(9)) r.ended_at = from_ms(*e);
    r.ended = s.column_int(10) != 0;
    r.end_reason = s.column_maybe_text(11);
    r.source = actors::stream_source_from(s.column_text(12));
    auto labels = nlohmann::json::parse(s.column_text(13), nullptr, false);
    if (labels.is_object())
      for (const auto& [k, v] : labels.items())
        if (v.is_string()) r.labels[k] = v.get<std::string>();
    std::vector<actors::stats_snapshot> stats;
    statement q(db_,
                "SELECT ts, peers, speed_down, speed_up, downloaded, uploaded, status FROM stats "
                "WHERE stream_id = ?1 ORDER BY ts DESC LIMIT ?2");
    q.text(1, r.id).integer(2, static_cast<int64_t>(history_max));
    while (q.ok() && q.step() == SQLITE_ROW) {
      actors::stats_snapshot x;
      x.ts = from_ms(q.column_int(0));
      x.peers = q.column_maybe(1);
      x.speed_down = q.column_maybe(2);
      x.speed_up = q.column_maybe(3);
      x.downloaded = q.column_maybe(4);
      x.uploaded = q.column_maybe(5);
      x.status = q.column_maybe_text(6);
      stats.push_back(x);
    }
    std::reverse(stats.begin(), stats.end());
    h.streams.emplace_back(std::move(r), std::move(stats));
  }
  return h;
}

void database::limit_pages(int pages) {
  exec("PRAGMA max_page_count = " + std::to_string(pages));
}

}  // namespace acepool::store
