#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool/engine_record.hpp"
#include "actors/streams/stream_record.hpp"

namespace acepool::store {

class database;

/// What a write_queue had to give up since it was last asked.
struct dropped_writes {
  std::vector<std::string> stream_ids;  ///< records never written (their latest version)
  size_t stats_rows = 0;
  size_t engines = 0;
  bool empty() const { return stream_ids.empty() && stats_rows == 0 && engines == 0; }
  size_t total() const { return stream_ids.size() + stats_rows + engines; }
};

/// The writes waiting for the database, coalesced: a newer version of an engine or stream
/// record replaces the pending one (only the latest state matters), stats rows are appended.
/// Nothing leaves the queue unless it was committed, so a disk that refuses writes loses
/// nothing until the bound: beyond `max_pending` entries the oldest stats rows go first, then
/// the oldest records, each counted and the records named (dropped()).
class write_queue {
 public:
  explicit write_queue(size_t max_pending) : max_pending_(max_pending) {}

  void put(const actors::engine_record& e);
  void put(const actors::stream_record& s);
  void put(const std::string& stream_id, const actors::stats_snapshot& x);

  /// Entries waiting (records plus stats rows).
  size_t size() const { return engines_.size() + streams_.size() + stats_.size(); }
  bool empty() const { return size() == 0; }

  /// Writes everything in one transaction (records before stats rows). On success the queue is
  /// empty and the count written is returned; on failure nothing is removed.
  struct outcome {
    size_t written = 0;
    std::optional<std::string> error;
  };
  outcome write_to(database& db);

  /// What was dropped since the last call (and forgets it).
  dropped_writes take_dropped();

 private:
  void bound();

  size_t max_pending_;
  uint64_t next_seq_ = 0;  // age of records, for dropping the oldest
  std::map<std::string, std::pair<uint64_t, actors::engine_record>> engines_;
  std::map<std::string, std::pair<uint64_t, actors::stream_record>> streams_;
  std::deque<std::pair<std::string, actors::stats_snapshot>> stats_;
  dropped_writes dropped_;
};

}  // namespace acepool::store
