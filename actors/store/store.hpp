#pragma once

#include <chrono>
#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

namespace acepool::metrics {
class registry;
}

namespace acepool::actors {
class actor_directory;
}

namespace acepool::store {

class database;

/// How the store batches and bounds its writes.
struct store_options {
  std::chrono::milliseconds flush_every{1000};
  size_t batch_max = 2000;  ///< a batch this big is written at once, not at the next tick
  /// Records and stats rows waiting (the disk failing); beyond it the oldest stats rows, then the
  /// oldest records are given up.
  size_t max_pending = 20000;
  std::chrono::milliseconds history_ttl{std::chrono::hours(1)};  ///< STREAM_HISTORY_TTL_S
  std::chrono::milliseconds purge_every{std::chrono::minutes(5)};
  size_t stats_history_max = 720;  ///< STATS_HISTORY_MAX: rows kept per stream
};

/// Spawns `store`: a detached actor (SQLite blocks) that owns the database. Writes arrive as
/// messages, are coalesced (write_queue) and applied in one transaction per flush, so no request
/// waits on the disk. When the disk refuses them (full, read-only) they stay queued and are
/// retried every flush, so the file catches up when space returns; only beyond `max_pending`
/// are the oldest given up, counted and named in the log. Every 5 minutes ended streams older
/// than STREAM_HISTORY_TTL_S, stats rows beyond STATS_HISTORY_MAX and stats rows without a
/// stream are purged. A heartbeat every 30 s (and at a clean stop) tells the next start when
/// this process was last alive.
caf::actor spawn_store(caf::actor_system& sys, actors::actor_directory& directory,
                       std::shared_ptr<database> db, metrics::registry* metrics,
                       store_options options);

}  // namespace acepool::store
