#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/pool/engine_record.hpp"
#include "actors/streams/stream_record.hpp"

struct sqlite3;

namespace acepool::store {

/// The current schema version; older files are migrated forward at open.
constexpr int schema_version = 1;

/// What a database held at start (docs/behaviour.md §8: a restart keeps history).
struct history {
  /// When the previous process last said it was alive (store heartbeat, clean shutdown): the
  /// time streams it left open ended. Nothing for a new file.
  std::optional<std::chrono::system_clock::time_point> last_alive;
  std::map<std::string, std::chrono::system_clock::time_point> engine_first_seen;
  std::vector<std::pair<actors::stream_record, std::vector<actors::stats_snapshot>>> streams;
  /// Relay streams the previous process hands over alive (acepool --takeover): left open.
  std::set<std::string> continuing;
};

/// acepool's SQLite database (WAL mode). Blocking: used only by the store actor (detached) and at
/// start. Errors are values (text) — nothing throws.
class database {
 public:
  /// Opens `path` (`:memory:` for none), creating the schema in an empty file and migrating an
  /// older one. A file of another application (e.g. the old orchestrator's), a corrupt file or
  /// an unwritable place gives one line saying what is wrong and what to do.
  struct opened {
    std::unique_ptr<database> db;
    std::string error;
  };
  static opened open(const std::string& path);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Starts, commits or rolls back a transaction; the error text, or nothing.
  std::optional<std::string> begin();
  std::optional<std::string> commit();
  void rollback();

  std::optional<std::string> upsert_engine(const actors::engine_record& e);
  std::optional<std::string> upsert_stream(const actors::stream_record& s);
  std::optional<std::string> insert_stats(const std::string& stream_id,
                                          const actors::stats_snapshot& s);
  /// Deletes ended streams (and their stats) that ended before `cutoff`; how many, or an error.
  std::pair<size_t, std::optional<std::string>> purge(std::chrono::system_clock::time_point cutoff);

  /// Deletes stats rows of streams that have no record (their record was never written, or was
  /// purged without them); how many, or an error.
  std::pair<size_t, std::optional<std::string>> purge_orphan_stats();

  /// Records that the process is alive at `now` (read back by load() as `last_alive`).
  std::optional<std::string> mark_alive(std::chrono::system_clock::time_point now);

  /// Keeps the newest `history_max` stats rows of every stream (STATS_HISTORY_MAX bounds the disk
  /// as it bounds memory); how many rows went, or an error.
  std::pair<size_t, std::optional<std::string>> trim_stats(size_t history_max);

  /// Streams that did not end before `cutoff` (active ones first, then ended ones in the order
  /// they ended) with their stats (oldest first, at most `history_max` each), and when every
  /// engine was first seen.
  history load(std::chrono::system_clock::time_point cutoff, size_t history_max);

  /// Limits the file to `pages` pages (tests use it to make the "disk" full).
  void limit_pages(int pages);

  const std::string& path() const { return path_; }

 private:
  explicit database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  std::optional<std::string> exec(const std::string& sql);
  std::optional<std::string> create_schema();

  sqlite3* db_;
  std::string path_;
};

}  // namespace acepool::store
