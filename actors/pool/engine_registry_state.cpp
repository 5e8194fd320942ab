#include "actors/pool/engine_registry_state.hpp"

#include <algorithm>

#include "actors/pool/engine_debug_view.hpp"
#include "actors/streams/engine_selection.hpp"
#include "config/settings.hpp"
#include "support/announce.hpp"

namespace acepool::actors {

namespace {
using steady = std::chrono::steady_clock;
}  // namespace

void engine_registry_state::publish_engines(stream_book::streams_by_engine streams) {
  engines_snapshot snap;
  snap.version = ++version;
  for (const auto& [id, e] : table->engines()) {
    snap.engines.push_back(e);
    if (auto on = streams.find(id); on != streams.end())
      snap.engines.back().streams = std::move(on->second);
  }
  std::sort(snap.engines.begin(), snap.engines.end(),
            [](const engine_record& a, const engine_record& b) {
              return a.port != b.port ? a.port < b.port : a.container_id < b.container_id;
            });
  snap.advertise_host = settings->docker.engine_advertise_host;
  snap.claims = static_cast<int>(table->claims().size());
  published->engines.publish(std::move(snap));
}

void engine_registry_state::publish_streams() {
  streams_snapshot snap;
  snap.version = ++streams_version;
  snap.active = book->active_by_start();
  snap.ended = book->ended_chunks();
  snap.ended_count = book->size() - book->active_count();
  published->streams.publish(std::move(snap));
}

std::pair<stream_record, bool> engine_registry_state::start(const stream_started_event& ev,
                                                            stream_source source) {
  auto id = stream_id_of(ev);
  if (const auto* existing = book->find(id)) return {*existing, false};
  std::vector<const engine_record*> candidates;
  for (const auto& [eid, e] : table->engines())
    if (e.state != engine_state::stopping) candidates.push_back(&e);
  const auto* engine = match_engine(candidates, ev.container_id, ev.engine_host, ev.engine_port);
  stream_record r;
  r.id = id;
  r.key_type = ev.key_type;
  r.key = ev.key;
  // An event for an unknown engine creates the stream record only, never an engine.
  r.container_id = engine != nullptr ? engine->container_id : ev.container_id.value_or("");
  r.playback_session_id = ev.playback_session_id;
  r.stat_url = ev.stat_url;
  r.command_url = ev.command_url;
  r.is_live = ev.is_live;
  r.started_at = wall::now();
  r.source = source;
  r.labels = ev.labels;
  auto [stored, created] = book->start(std::move(r));
  table->streams_changed_on(stored->container_id, wall::now(), steady::now());
  persist(*stored);
  if (created) {
    count(started_counter);
    announce(&published->feed, spdlog::level::info, "stream.started",
             {{"stream", id},
              {"key", stored->key},
              {"key_type", stored->key_type},
              {"container", stored->container_id},
              {"source", to_string(source)},
              {"engine_known", engine != nullptr}});
  }
  return {*stored, created};
}

stream_end_result engine_registry_state::end_by_event(const stream_ended_event& ev) {
  if (!ev.stream_id || ev.stream_id->empty()) return {};
  return end(*ev.stream_id, normalize_end_reason(ev.reason.value_or("ended_by_event")));
}

stream_end_result engine_registry_state::end(std::string id, const std::string& reason,
                                             wall::time_point at) {
  stream_end_result r;
  auto ended = book->end(id, reason, at);
  if (ended.stream == nullptr) return r;
  r.stream = *ended.stream;
  r.updated = ended.changed;
  if (ended.changed) {
    count(ended_counter);
    table->streams_changed_on(ended.stream->container_id, wall::now(), steady::now());
    persist(*ended.stream);
    announce(&published->feed, spdlog::level::info, "stream.ended",
             {{"stream", id}, {"reason", reason}, {"container", ended.stream->container_id}});
  }
  return r;
}

void engine_registry_state::end_event_streams_on(const std::string& container_id) {
  std::vector<std::string> ids;
  for (const auto* stream : book->active_on(container_id))
    if (stream->source == stream_source::event) ids.push_back(stream->id);
  for (auto& id : ids)
    end(std::move(id), "engine_removed");
}

nlohmann::json engine_registry_state::summary() const {
  return {{"engines", table->engines().size()},
          {"managed", table->managed_count()},
          {"claims", table->claims().size()},
          {"streams_active", book->active_count()},
          {"streams", book->size()},
          {"version", version}};
}

nlohmann::json engine_registry_state::full_state() const {
  auto out = registry_debug_view(*table, *book);
  out["max_replicas"] = settings->pool.max_replicas;
  out["version"] = version;
  return out;
}

}  // namespace acepool::actors
