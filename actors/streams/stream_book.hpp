#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/streams/stream_record.hpp"

namespace acepool::actors {

/// The stream records and their stats history (plain logic; the engine_registry owns one).
/// Ending is by exact id only: an unknown id never ends another stream. Records are immutable
/// once stored (a change stores a new copy), so snapshots share them instead of copying, and the
/// ended ones sit in fixed chunks, so publishing a snapshot costs O(active + ended / chunk), not
/// O(all). At most `max_records` are kept: beyond it the oldest ended streams go first.
class stream_book {
 public:
  using wall = std::chrono::system_clock::time_point;
  using record_ptr = std::shared_ptr<const stream_record>;
  using chunk_ptr = std::shared_ptr<const std::vector<record_ptr>>;
  static constexpr size_t chunk_size = 256;

  // Swappable on purpose: the second limit is for tests, passed by name in a comment
  // NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
  explicit stream_book(size_t history_max, size_t max_records = 100000)
      : history_max_(history_max), max_records_(max_records) {}

  /// Adds `s` unless a stream with its id exists; returns the stored record and whether it is new.
  std::pair<const stream_record*, bool> start(stream_record s);

  struct end_result {
    const stream_record* stream = nullptr;  ///< null when the id is unknown
    bool changed = false;                   ///< false when it had ended already
  };
  /// Ends the stream `id` with `reason` (one of end_reasons()).
  end_result end(const std::string& id, const std::string& reason, wall now);

  /// Replaces active stream `id` with `change(copy)`; the stored record, or null when `id` is
  /// unknown or ended.
  const stream_record* modify(const std::string& id,
                              const std::function<void(stream_record&)>& change);

  /// Appends a snapshot (bounded to the history size) and makes it the latest (active streams).
  void record_stats(const std::string& id, stats_snapshot s);

  /// The history of `id`, oldest first, from `since` (inclusive); nothing when `id` is unknown.
  std::optional<std::vector<stats_snapshot>> history(const std::string& id,
                                                     std::optional<wall> since) const;

  /// Active streams on an engine.
  std::vector<const stream_record*> active_on(const std::string& container_id) const;
  /// Ids of the active streams by engine (container id), in start order.
  using streams_by_engine = std::map<std::string, std::vector<std::string>>;
  streams_by_engine active_by_engine() const;

  /// Drops ended streams (and their history) that ended before `cutoff`; returns how many.
  size_t purge_ended(wall cutoff);

  /// Restores a stream loaded from the database with its history (oldest first).
  void restore(stream_record s, std::vector<stats_snapshot> history);

  const stream_record* find(const std::string& id) const;
  size_t size() const { return streams_.size(); }
  size_t active_count() const { return active_.size(); }

  /// Active streams by start time (shared, for a snapshot).
  std::vector<record_ptr> active_by_start() const;
  /// Ended streams in the order they ended, in immutable chunks (shared, for a snapshot).
  const std::vector<chunk_ptr>& ended_chunks() const { return ended_; }

 private:
  using start_key = std::pair<wall, std::string>;
  void store(record_ptr r);
  void append_ended(const record_ptr& r);
  void rebuild_ended();
  void erase(const std::string& id);
  void evict_over_cap();

  size_t history_max_;
  size_t max_records_;
  std::map<std::string, record_ptr> streams_;
  std::map<start_key, record_ptr> active_;
  std::vector<chunk_ptr> ended_;
  std::map<std::string, std::deque<stats_snapshot>> history_;
};

}  // namespace acepool::actors
