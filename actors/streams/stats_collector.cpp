// stats_collector: polls the stat URLs of event-reported streams on the async HTTP loop (a hung
// engine costs only its own timeout), forwards snapshots to the registry, and stops engine
// sessions — stale ones it detects, and those DELETE /streams/{id} asks for.
#include "actors/streams/stats_collector.hpp"

#include <map>
#include <set>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

using wall = std::chrono::system_clock;
constexpr std::chrono::seconds max_poll_timeout{5};
constexpr std::chrono::seconds stop_timeout{5};

struct pending_stop {
  std::string stream_id;
  std::string reason;
  std::optional<caf::response_promise> reply;
};

struct stats_collector_state {
  static inline const char* name = "stats_collector";
  stats_collector_deps deps;
  std::set<std::string> polling;   // streams with a poll outstanding
  std::set<std::string> stopping;  // streams whose session is being stopped
  std::map<uint64_t, pending_stop> stops;
  uint64_t next_stop = 1, polls = 0, poll_failures = 0, stale = 0;

  const config::settings& settings() const { return *deps.settings; }

  nlohmann::json summary() const {
    return {{"polls", polls},
            {"poll_failures", poll_failures},
            {"polling", polling.size()},
            {"stopping", stopping.size()},
            {"stale_detected", stale}};
  }
};

using collector_actor = tracked_actor<stats_collector_state>;

const engine_record* engine_of(const engines_snapshot& engines, const std::string& container_id) {
  for (const auto& e : engines.engines)
    if (e.container_id == container_id) return &e;
  return nullptr;
}

void poll_all(collector_actor* self) {
  auto& st = self->state;
  auto streams = st.deps.published->streams.load();
  auto engines = st.deps.published->engines.load();
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto timeout =
      std::min<std::chrono::milliseconds>(st.settings().relay.collect_interval, max_poll_timeout);
  for (const auto& sp : streams->active) {
    const auto& s = *sp;
    // The relay watches its own sessions; here only streams external proxies reported.
    if (s.source != stream_source::event || s.stat_url.empty() || st.polling.count(s.id) ||
        st.stopping.count(s.id))
      continue;
    // Only an engine acepool knows is ever called, at the address acepool reaches it on: a
    // stat_url is outside text, and polling it as given would let anyone who can post an event
    // make acepool fetch any URL every COLLECT_INTERVAL_S (server-side request forgery).
    const auto* engine = engine_of(*engines, s.container_id);
    if (engine == nullptr) continue;
    auto url = reachable_url(s.stat_url, engine);
    auto id = s.id;
    bool queued = st.deps.http->get(url, timeout, [me, id](support::http_result r) {
      caf::anon_send(me, stat_result_atom::value, id, r.status, std::move(r.body));
    });
    if (queued) st.polling.insert(id);
  }
}

void stop_session(collector_actor* self, const std::string& id, const std::string& reason,
                  std::optional<caf::response_promise> reply) {
  auto& st = self->state;
  auto streams = st.deps.published->streams.load();
  const auto* s = streams->find(id);
  if (s == nullptr || s->ended || st.stopping.count(id)) {
    // Unknown, ended, or a stop already running: nothing to do.
    stream_end_result r;
    if (s != nullptr) r.stream = *s;
    if (reply) reply->deliver(r);
    return;
  }
  auto engines = st.deps.published->engines.load();
  // As for stats: the stop command goes only to a known engine; otherwise the stream just ends.
  const auto* engine = engine_of(*engines, s->container_id);
  auto url = stop_url(reachable_url(s->command_url, engine));
  auto stop_id = st.next_stop++;
  st.stopping.insert(id);
  st.stops[stop_id] = pending_stop{id, reason, std::move(reply)};
  caf::actor me = caf::actor_cast<caf::actor>(self);
  bool queued = engine != nullptr && !s->command_url.empty() &&
                st.deps.http->get(url, stop_timeout, [me, stop_id](support::http_result r) {
                  if (r.status != 200)
                    log::event(spdlog::level::warn, "stream.stop_command_failed",
                               {{"status", r.status},
                                {"detail", r.error.empty() ? r.body.substr(0, 200) : r.error}});
                  caf::anon_send(me, session_stopped_atom::value, stop_id);
                });
  if (!queued) self->send(self, session_stopped_atom::value, stop_id);
}

void on_stopped(collector_actor* self, uint64_t stop_id) {
  auto& st = self->state;
  auto it = st.stops.find(stop_id);
  if (it == st.stops.end()) return;
  auto stop = std::move(it->second);
  st.stops.erase(it);
  st.stopping.erase(stop.stream_id);
  auto reply = stop.reply;
  self->request(st.deps.registry, std::chrono::seconds(10), end_stream_atom::value, stop.stream_id,
                stop.reason)
      .then(
          [reply](const stream_end_result& r) mutable {
            if (reply) reply->deliver(r);
          },
          [reply](caf::error& e) mutable {
            if (reply) reply->deliver(std::move(e));
          });
}

void on_stat(collector_actor* self, const std::string& id, int status, const std::string& body) {
  auto& st = self->state;
  st.polling.erase(id);
  ++st.polls;
  auto failed = [&st] {
    ++st.poll_failures;
    if (st.deps.metrics != nullptr) st.deps.metrics->counter(metrics::orch_collector_errors).inc();
  };
  if (status != 200) return failed();
  auto answer = parse_stat_answer(body, wall::now());
  if (answer.snapshot) {
    self->send(st.deps.registry, stream_stats_atom::value, id, *answer.snapshot);
    return;
  }
  if (!answer.unknown_session) return failed();
  ++st.stale;
  if (st.deps.metrics != nullptr) st.deps.metrics->counter(metrics::stale_streams).inc();
  log::event(spdlog::level::warn, "stream.stale",
             {{"stream", id}, {"detail", "unknown playback session id"}});
  stop_session(self, id, "stale_stream_detected", std::nullopt);
}

caf::behavior stats_collector(collector_actor* self, stats_collector_deps deps) {
  self->state.deps = std::move(deps);
  self->delayed_send(self, self->state.settings().relay.collect_interval, tick_atom::value);
  return introspectable(
      self, caf::message_handler{
                [self](tick_atom) {
                  poll_all(self);
                  self->delayed_send(self, self->state.settings().relay.collect_interval,
                                     tick_atom::value);
                },
                [self](stat_result_atom, const std::string& id, int status,
                       const std::string& body) { on_stat(self, id, status, body); },
                [self](stop_session_atom, const std::string& id, const std::string& reason) {
                  auto rp = self->make_response_promise();
                  stop_session(self, id, reason, rp);
                  return rp;
                },
                [self](session_stopped_atom, uint64_t stop_id) { on_stopped(self, stop_id); },
            });
}

}  // namespace

caf::actor spawn_stats_collector(caf::actor_system& sys, actor_directory& directory,
                                 stats_collector_deps deps) {
  auto a = sys.spawn(stats_collector, std::move(deps));
  directory.add(a, "stats_collector", "stats_collector");
  return a;
}

}  // namespace acepool::actors
