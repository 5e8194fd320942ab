// store: the SQLite connection's owner (detached: SQLite blocks). Producers send writes as
// messages; they are queued (bounded) and applied in one transaction per flush.
#include "actors/store/store.hpp"

#include <deque>
#include <functional>

#include <nlohmann/json.hpp>

#include "actors/actor_directory.hpp"
#include "actors/introspection.hpp"
#include "actors/messages.hpp"
#include "actors/store/database.hpp"
#include "support/logging.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::store {

namespace {

using write_op = std::function<std::optional<std::string>(database&)>;

struct store_state {
  static inline const char* name = "store";
  std::shared_ptr<database> db;
  metrics::registry* metrics = nullptr;
  store_options options;
  std::deque<write_op> pending;
  uint64_t written = 0, dropped = 0, failed_flushes = 0;
  uint64_t unreported_drops = 0;  // logged once per flush, not once per write
  uint64_t failed_flushes_in_row = 0;
  std::string last_error;

  nlohmann::json summary() const {
    return {{"path", db->path()}, {"pending", pending.size()},        {"written", written},
            {"dropped", dropped}, {"failed_flushes", failed_flushes}, {"last_error", last_error}};
  }

  void count(const char* name, const char* help, uint64_t n) {
    if (metrics != nullptr && n > 0) metrics->counter(name, help).inc(n);
  }

  void drop_oldest(size_t n) {
    n = std::min(n, pending.size());
    pending.erase(pending.begin(), pending.begin() + static_cast<long>(n));
    dropped += n;
    unreported_drops += n;
    count("acepool_store_dropped_total", "Database writes dropped (the disk refused them)", n);
  }

  void report_drops() {
    if (unreported_drops == 0) return;
    log::event(spdlog::level::warn, "store.dropped",
               {{"writes", unreported_drops}, {"dropped_total", dropped}, {"detail", last_error}});
    unreported_drops = 0;
  }

  void enqueue(write_op op) {
    pending.push_back(std::move(op));
    // A burst writes at once rather than waiting for the timer (one transaction per batch).
    if (pending.size() % options.batch_max == 0 && failed_flushes_in_row == 0) flush();
    if (pending.size() > options.max_pending) drop_oldest(pending.size() - options.max_pending);
  }

  void flush() {
    flush_pending();
    report_drops();
  }

  void flush_pending() {
    if (pending.empty()) return;
    auto fail = [&](const std::string& why) {
      db->rollback();
      ++failed_flushes;
      ++failed_flushes_in_row;
      last_error = why;
      log::event(spdlog::level::warn, "store.write_failed",
                 {{"pending", pending.size()}, {"detail", why}});
      // The disk keeps refusing: drop the oldest half rather than grow without bound.
      if (failed_flushes_in_row % 5 == 0) drop_oldest(std::max<size_t>(1, pending.size() / 2));
    };
    if (auto err = db->begin()) return fail(*err);
    for (auto& op : pending)
      if (auto err = op(*db)) return fail(*err);
    if (auto err = db->commit()) return fail(*err);
    failed_flushes_in_row = 0;
    written += pending.size();
    count("acepool_store_writes_total", "Database writes committed", pending.size());
    pending.clear();
  }
};

caf::behavior store_actor(actors::tracked_actor<store_state>* self, std::shared_ptr<database> db,
                          metrics::registry* metrics, store_options options) {
  auto& st = self->state;
  st.db = std::move(db);
  st.metrics = metrics;
  st.options = options;
  self->set_exit_handler([self](caf::exit_msg& msg) {
    self->state.flush();  // nothing queued is lost on a clean stop
    self->quit(msg.reason);
  });
  self->delayed_send(self, options.flush_every, actors::tick_atom::value);
  self->delayed_send(self, std::chrono::seconds(1), actors::purge_atom::value);
  return actors::introspectable(
      self,
      caf::message_handler{
          [self](actors::store_engine_atom, const actors::engine_record& e) {
            self->state.enqueue([e](database& d) { return d.upsert_engine(e); });
          },
          [self](actors::store_stream_atom, const actors::stream_record& s) {
            self->state.enqueue([s](database& d) { return d.upsert_stream(s); });
          },
          [self](actors::store_stats_atom, const std::string& id, const actors::stats_snapshot& x) {
            self->state.enqueue([id, x](database& d) { return d.insert_stats(id, x); });
          },
          [self](actors::tick_atom) {
            self->state.flush();
            self->delayed_send(self, self->state.options.flush_every, actors::tick_atom::value);
          },
          [self](actors::purge_atom) {
            auto& st = self->state;
            st.flush();
            auto [n, err] = st.db->purge(std::chrono::system_clock::now() - st.options.history_ttl);
            auto [trimmed, trim_err] = st.db->trim_stats(st.options.stats_history_max);
            if (err || trim_err) st.last_error = err ? *err : *trim_err;
            if (n > 0 || trimmed > 0)
              log::event(spdlog::level::info, "store.purged",
                         {{"streams", n}, {"stats_rows", trimmed}});
            self->delayed_send(self, st.options.purge_every, actors::purge_atom::value);
          },
          [self](actors::flush_atom) {
            self->state.flush();
            return caf::ok_atom::value;
          },
      });
}

}  // namespace

caf::actor spawn_store(caf::actor_system& sys, actors::actor_directory& directory,
                       std::shared_ptr<database> db, metrics::registry* metrics,
                       store_options options) {
  auto a = sys.spawn<caf::detached>(store_actor, std::move(db), metrics, options);
  directory.add(a, "store", "store");
  return a;
}

}  // namespace acepool::store
