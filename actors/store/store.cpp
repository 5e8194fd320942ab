// store: the SQLite connection's owner (detached: SQLite blocks). Producers send writes as
// messages; they are coalesced in a write_queue (bounded) and applied in one transaction per
// flush, retried every flush while the disk refuses them.
#include "actors/store/store.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/store/database.hpp"
#include "actors/store/write_queue.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::store {

namespace {

using wall_clock = std::chrono::system_clock;
using steady = std::chrono::steady_clock;

// While the disk refuses writes, one summary line per minute instead of one per tick.
constexpr auto failure_log_every = std::chrono::minutes(1);
// A crash leaves streams open; the next start ends them at the last heartbeat.
constexpr auto heartbeat_every = std::chrono::seconds(30);
constexpr size_t max_ids_logged = 20;

struct store_state {
  static inline const char* name = "store";
  std::shared_ptr<database> db;
  metrics::registry* metrics = nullptr;
  store_options options;
  std::optional<write_queue> queue;
  uint64_t written = 0, dropped = 0, failed_flushes = 0;
  std::string last_error;
  std::optional<steady::time_point> failing_since, last_failure_log;
  std::optional<steady::time_point> last_heartbeat;

  nlohmann::json summary() const {
    return {{"path", db->path()},
            {"pending", queue->size()},
            {"written", written},
            {"dropped", dropped},
            {"failed_flushes", failed_flushes},
            {"failing", failing_since.has_value()},
            {"last_error", last_error}};
  }

  void count(const metrics::metric_family& family, uint64_t n) {
    if (metrics != nullptr && n > 0) metrics->counter(family).inc(n);
  }

  void report_drops() {
    auto d = queue->take_dropped();
    if (d.empty()) return;
    dropped += d.total();
    count(metrics::store_dropped, d.total());
    auto ids = nlohmann::json::array();
    for (size_t i = 0; i < d.stream_ids.size() && i < max_ids_logged; ++i)
      ids.push_back(d.stream_ids[i]);
    log::event(spdlog::level::err, "store.dropped",
               {{"streams", d.stream_ids.size()},
                {"stream_ids", ids},
                {"stats_rows", d.stats_rows},
                {"engines", d.engines},
                {"dropped_total", dropped},
                {"detail", last_error}});
  }

  void flush() {
    report_drops();
    auto now = steady::now();
    auto result = queue->write_to(*db);
    if (result.error) {
      ++failed_flushes;
      last_error = *result.error;
      if (!failing_since) failing_since = now;
      if (!last_failure_log || now - *last_failure_log >= failure_log_every) {
        log::event(spdlog::level::warn, "store.write_failed",
                   {{"pending", queue->size()},
                    {"failing_for_s", std::chrono::duration<double>(now - *failing_since).count()},
                    {"detail", last_error},
                    {"retry", "every flush until the disk accepts them"}});
        last_failure_log = now;
      }
      return;
    }
    written += result.written;
    count(metrics::store_writes, result.written);
    if (failing_since) {
      log::event(spdlog::level::info, "store.recovered",
                 {{"written", result.written},
                  {"failed_for_s", std::chrono::duration<double>(now - *failing_since).count()}});
      failing_since.reset();
      last_failure_log.reset();
    }
    if (!last_heartbeat || now - *last_heartbeat >= heartbeat_every) {
      if (!db->mark_alive(wall_clock::now())) last_heartbeat = now;
    }
  }

  void purge() {
    flush();
    // Only with nothing pending: a stats row may be ahead of its stream's record otherwise.
    if (!queue->empty()) return;
    auto [n, err] = db->purge(wall_clock::now() - options.history_ttl);
    auto [trimmed, trim_err] = db->trim_stats(options.stats_history_max);
    auto [orphans, orphan_err] = db->purge_orphan_stats();
    if (err || trim_err || orphan_err) last_error = err ? *err : trim_err ? *trim_err : *orphan_err;
    if (n > 0 || trimmed > 0 || orphans > 0)
      log::event(spdlog::level::info, "store.purged",
                 {{"streams", n}, {"stats_rows", trimmed}, {"orphan_stats_rows", orphans}});
  }
};

caf::behavior store_actor(actors::tracked_actor<store_state>* self, std::shared_ptr<database> db,
                          metrics::registry* metrics, store_options options) {
  auto& st = self->state;
  st.db = std::move(db);
  st.metrics = metrics;
  st.options = options;
  st.queue.emplace(options.max_pending);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& s = self->state;
    s.flush();  // nothing queued is lost on a clean stop
    if (s.queue->empty()) s.db->mark_alive(wall_clock::now());
    self->quit(msg.reason);
  });
  self->delayed_send(self, options.flush_every, actors::tick_atom::value);
  self->delayed_send(self, std::chrono::seconds(1), actors::purge_atom::value);
  auto enqueued = [self] {
    auto& s = self->state;
    // A burst is written at once rather than at the next tick (one transaction per batch),
    // unless the disk is refusing writes (then the tick retries).
    if (s.queue->size() >= s.options.batch_max && !s.failing_since) s.flush();
  };
  return actors::introspectable(
      self,
      caf::message_handler{
          [self, enqueued](actors::store_engine_atom, const actors::engine_record& e) {
            self->state.queue->put(e);
            enqueued();
          },
          [self, enqueued](actors::store_stream_atom, const actors::stream_record& s) {
            self->state.queue->put(s);
            enqueued();
          },
          [self, enqueued](actors::store_stats_atom, const std::string& id,
                           const actors::stats_snapshot& x) {
            self->state.queue->put(id, x);
            enqueued();
          },
          [self](actors::tick_atom) {
            self->state.flush();
            self->delayed_send(self, self->state.options.flush_every, actors::tick_atom::value);
          },
          [self](actors::purge_atom) {
            self->state.purge();
            self->delayed_send(self, self->state.options.purge_every, actors::purge_atom::value);
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
