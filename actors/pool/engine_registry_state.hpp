#pragma once

// The engine_registry's state (engine_registry.cpp: its handlers; engine_registry_state.cpp:
// the publishing and the stream records). Internal to actors/pool.

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/pool/engine_table.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/streams/stream_book.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

/// What the engine_registry owns: the engine table, the stream book, the snapshots it publishes.
struct engine_registry_state {
  using wall = std::chrono::system_clock;

  static inline const char* name = "engine_registry";
  const config::settings* settings = nullptr;
  published_state* published = nullptr;
  caf::actor store;
  std::optional<engine_table> table;
  std::optional<stream_book> book;
  std::vector<caf::actor> subscribers;
  /// Relay streams another process continues (takeover): this one's stop leaves them open.
  std::set<std::string> handed_over;
  uint64_t version = 0, streams_version = 0;
  bool stats_publish_pending = false;
  // The orchestrator's event counters count what the registry records, whoever reported it: an
  // external proxy's event or the relay's own session (what acexy would have reported). Set
  // after the restore, so restored ends do not count.
  metrics::counter_metric* started_counter = nullptr;
  metrics::counter_metric* ended_counter = nullptr;

  static void count(metrics::counter_metric* c) {
    if (c != nullptr) c->inc();
  }

  /// Publishes the engines snapshot (`streams`: the active streams by engine).
  void publish_engines() { publish_engines(book->active_by_engine()); }
  void publish_engines(stream_book::streams_by_engine streams);
  /// Publishes the streams snapshot.
  void publish_streams();

  void persist(const engine_record& e) {
    if (store && e.managed()) caf::anon_send(store, store_engine_atom::value, e);
  }
  void persist(const stream_record& s) {
    if (store) caf::anon_send(store, store_stream_atom::value, s);
  }

  /// Records a stream (idempotent by id); the record and whether it is new.
  std::pair<stream_record, bool> start(const stream_started_event& ev, stream_source source);
  /// POST /events/stream_ended: exactly the named stream, never another one.
  stream_end_result end_by_event(const stream_ended_event& ev);
  // `id` by value: callers pass ids held by records that ending the stream replaces.
  stream_end_result end(std::string id, const std::string& reason) {
    return end(std::move(id), reason, wall::now());
  }
  /// Ends stream `id` as of `at` (announced, counted, persisted once).
  stream_end_result end(std::string id, const std::string& reason, wall::time_point at);
  /// Streams reported by external proxies end with their engine; relay streams fail over.
  void end_event_streams_on(const std::string& container_id);

  /// /debug/actors.
  nlohmann::json summary() const;
  /// /debug/actors/engine_registry.
  nlohmann::json full_state() const;
};

}  // namespace acepool::actors
