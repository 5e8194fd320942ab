// Opening an engine session for a relay, reading its upstream, and losing it.
#include "actors/relay/stream_relay_internal.hpp"

#include <caf/send.hpp>

#include "actors/runtime/published_state.hpp"
#include "support/announce.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/random_id.hpp"

namespace acepool::actors::relay_detail {

/// Cuts the current upstream and stops its engine session (fire and forget).
void drop_session(relay_actor* self) {
  auto& st = self->state;
  if (st.feed) st.feed->live = false;
  st.feed.reset();
  if (st.upstream_id != 0) st.deps.http->cancel(st.upstream_id);
  st.upstream_id = 0;
  if (!st.session.command_url.empty()) {
    auto url = stop_url(st.session.command_url);
    st.deps.http->get(url, stop_command_timeout, [url](support::http_result r) {
      if (r.status != 200)
        log::event(spdlog::level::debug, "stream.stop_command_failed",
                   {{"status", r.status}, {"detail", r.error}});
    });
  }
  st.session = relay_session{};
  if (!st.reservation.empty())
    self->send(st.deps.registry, release_engine_atom::value, st.reservation);
}

/// A session was lost or could not be opened: a failover when clients have been streaming,
/// otherwise the start failed and waiting clients get `status` with `detail`.
void session_lost(relay_actor* self, const session_loss& loss, int status) {
  auto& st = self->state;
  if (st.current == phase::ending) return;
  if (st.feed && st.feed->got_bytes) st.streamed = true;
  auto engine_id = st.engine ? st.engine->container_id : std::string();
  drop_session(self);
  if (!st.streamed) {
    end_relay(self, "upstream_failed", status, loss.detail);
    return;
  }
  ++st.failovers;
  auto next = st.failover.lost(loss, engine_id);
  count(self, metrics::relay_failovers);
  announce(&st.deps.published->feed, spdlog::level::warn, "stream.failover",
           {{"stream", st.stream_id},
            {"key", st.key},
            {"engine", engine_id},
            {"attempt", next.attempt},
            {"detail", loss.detail}});
  if (next.give_up) {
    end_relay(self, "upstream_failed", 502, "stream failed: " + loss.detail);
    return;
  }
  st.wishes = std::move(next.wishes);
  st.provisioned = false;
  st.current = phase::backoff;
  self->delayed_send(self, next.delay, relay_retry_atom::value, st.session_no);
}

support::async_http_client::stream_callbacks upstream_callbacks(
    relay_actor* self, const std::shared_ptr<upstream_feed>& feed) {
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto no = self->state.session_no;
  support::async_http_client::stream_callbacks cb;
  cb.on_head = [feed](bool chunked) { feed->body = relay::upstream_body(chunked); };
  cb.on_data = [feed, me, no](const char* data, size_t n) {
    if (!feed->live) return;
    std::string body;
    if (!feed->body.decode(data, n, body) && !feed->body.ended()) {
      feed->live = false;
      caf::anon_send(me, upstream_end_atom::value, no,
                     std::string("the engine's chunked stream is malformed"));
    }
    auto out = feed->aligner.feed(body.data(), body.size());
    if (out.packets.empty()) return;
    feed->got_bytes = true;
    if (auto hub = feed->hub.lock()) hub->append(out.packets, out.pat_offsets);
    if (auto hls = std::atomic_load(&feed->hls)) hls->feed(out.packets);
  };
  cb.on_end = [me, no, feed](const support::http_result& r) {
    if (!feed->live) return;
    auto why = !r.error.empty()  ? r.error
               : r.status >= 400 ? "engine answered HTTP " + std::to_string(r.status)
                                 : std::string("end of stream");
    caf::anon_send(me, upstream_end_atom::value, no, why);
  };
  return cb;
}

void start_upstream(relay_actor* self) {
  auto& st = self->state;
  auto feed = std::make_shared<upstream_feed>();
  feed->hub = st.hub;
  feed->hls = st.hls;
  // A failover: HLS viewers get a discontinuity, not half a segment of the lost upstream.
  if (st.hls && st.streamed) st.hls->restart();
  st.feed = feed;
  st.current = phase::connecting;
  st.upstream_id = st.deps.http->stream(st.playback_url, 5s, upstream_callbacks(self, feed));
  if (st.upstream_id == 0) session_lost(self, {"the engine HTTP client is saturated"}, 503);
}

void on_session_answer(relay_actor* self, uint64_t no, int status, const std::string& body) {
  auto& st = self->state;
  if (no != st.session_no || st.current != phase::starting) return;
  auto a = parse_session_answer(status, body);
  if (!a.error.empty()) {
    // The next attempt tries another engine: this one could not start the content.
    session_lost(self, {"Failed to start stream: " + a.error, engine_verdict::exclude}, 502);
    return;
  }
  const engine_record* e = st.engine ? &*st.engine : nullptr;
  st.session = {e ? e->container_id : "", a.playback_session_id, reachable_url(a.stat_url, e),
                reachable_url(a.command_url, e)};
  st.playback_url = reachable_url(a.playback_url, e);
  count(self, metrics::relay_sessions);
  if (st.stream_id.empty()) {
    st.stream_id = st.key + "|" + a.playback_session_id;
    stream_started_event ev;
    ev.container_id = st.session.container_id;
    ev.engine_host = e ? e->host : "";
    ev.engine_port = e ? e->port : 0;
    ev.key_type = st.key_type;
    ev.key = st.key;
    ev.playback_session_id = a.playback_session_id;
    ev.stat_url = st.session.stat_url;
    ev.command_url = st.session.command_url;
    ev.is_live = a.is_live;
    ev.labels["stream_id"] = st.stream_id;
    // Anonymous: the registry answers with the record, which the relay does not need.
    caf::anon_send(st.deps.registry, stream_started_atom::value, ev, stream_source::relay);
    announce(&st.deps.published->feed, spdlog::level::info, "relay.started",
             {{"stream", st.stream_id}, {"engine", st.session.container_id}});
  } else {
    self->send(st.deps.registry, stream_session_atom::value, st.stream_id, st.session);
  }
  // The record now counts the stream on its engine.
  self->send(st.deps.registry, release_engine_atom::value, st.reservation);
  st.reported_clients = -1;
  start_upstream(self);
}

void open_session(relay_actor* self, const engine_record& e) {
  auto& st = self->state;
  st.engine = e;
  st.current = phase::starting;
  st.deadline = steady::now() + st.settings().relay.stream_start_timeout;
  auto url = "http://" + e.host + ":" + std::to_string(e.port) + "/ace/getstream?" + st.params +
             "&format=json&pid=" + support::random_hex(32);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto no = st.session_no;
  bool queued = st.deps.http->get(
      url, st.settings().relay.stream_start_timeout, [me, no](support::http_result r) {
        caf::anon_send(me, session_answer_atom::value, no, r.status, std::move(r.body));
      });
  if (!queued) session_lost(self, {"the engine HTTP client is saturated"}, 503);
}

}  // namespace acepool::actors::relay_detail
