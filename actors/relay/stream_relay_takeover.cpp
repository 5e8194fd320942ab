// A relay handed to another acepool process, and one continued from another process
// (acepool --takeover, docs/architecture.md "Takeover").
#include <fcntl.h>
#include <unistd.h>

#include <caf/send.hpp>

#include "actors/relay/stream_relay_internal.hpp"
#include "actors/runtime/published_state.hpp"
#include "support/logging.hpp"

namespace acepool::actors::relay_detail {

namespace {

constexpr int max_handover_tries = 200;  // 1 ms apart: writes being started finish long before

void fail_handover(relay_actor* self, const std::string& why) {
  auto& st = self->state;
  if (st.handover_reply) st.handover_reply->deliver(make_error(request_error::failed, why));
  st.handover_reply.reset();
  resume_after_handover(self);
}

}  // namespace

caf::result<relay_handover_ptr> begin_handover(relay_actor* self) {
  auto& st = self->state;
  if (st.handing_over)
    return make_error(request_error::failed, "stream " + st.key + " is being handed over already");
  if (st.current != phase::streaming || st.upstream_id == 0 || !st.feed)
    return make_error(request_error::failed,
                      "stream " + st.key + " is not streaming (" + to_string(st.current) + ")");
  st.handing_over = true;
  st.handover_tries = 0;
  st.handover_reply = self->make_response_promise<relay_handover_ptr>();
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.deps.http->freeze(st.upstream_id,
                       [me](int fd) { caf::anon_send(me, takeover_upstream_atom::value, fd); });
  return *st.handover_reply;
}

void on_upstream_frozen(relay_actor* self, int fd) {
  auto& st = self->state;
  if (!st.handing_over) {
    if (fd >= 0) ::close(fd);
    return;
  }
  st.handover_fd = fd;
  if (fd < 0) return fail_handover(self, "stream " + st.key + ": the upstream has no connection");
  caf::actor me = caf::actor_cast<caf::actor>(self);
  st.hub->suspend([me] { caf::anon_send(me, takeover_suspended_atom::value, true); });
}

void on_clients_suspended(relay_actor* self, bool ok) {
  auto& st = self->state;
  if (!st.handing_over || !st.handover_reply) return;
  if (!ok) return fail_handover(self, "stream " + st.key + ": its clients cannot move");
  if (st.current != phase::streaming || !st.feed || st.upstream_id == 0)
    return fail_handover(self, "stream " + st.key + " stopped streaming");
  auto hub = st.hub->handover();
  if (!hub) {
    // A write being started on another thread finishes in microseconds.
    if (++st.handover_tries < max_handover_tries) {
      self->delayed_send(self, std::chrono::milliseconds(1), takeover_suspended_atom::value, true);
      return;
    }
    return fail_handover(self, "stream " + st.key + ": a client cannot move");
  }
  auto h = std::make_shared<relay_handover>();
  h->key = st.key;
  h->key_type = st.key_type;
  h->params = st.params;
  h->stream_id = st.stream_id;
  h->playback_url = st.playback_url;
  h->session = st.session;
  h->started_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(st.started_at.time_since_epoch())
          .count();
  h->failovers = st.failovers;
  h->upstream_fd = ::fcntl(st.handover_fd, F_DUPFD_CLOEXEC, 0);  // the receiver owns this one
  h->upstream_body = st.feed->body.to_json();
  h->aligner_held = st.feed->aligner.held();
  h->aligner_waiting_for_pat = st.feed->aligner.waiting_for_pat();
  h->hub = std::move(*hub);
  st.handover_reply->deliver(h);
  st.handover_reply.reset();
}

void resume_after_handover(relay_actor* self) {
  auto& st = self->state;
  if (!st.handing_over) return;
  st.handing_over = false;
  if (st.handover_fd >= 0) ::close(st.handover_fd);
  st.handover_fd = -1;
  if (st.upstream_id != 0) st.deps.http->thaw(st.upstream_id);
  st.hub->resume();
  // Nothing was heard from the engine meanwhile on purpose: the silence watchdog starts over.
  st.empty_since.reset();
  auto held = std::move(st.held_clients);
  st.held_clients.clear();
  for (auto& req : held)
    st.hub->attach(std::move(req.client));
}

void release_handover(relay_actor* self) {
  auto& st = self->state;
  st.handing_over = false;  // never resumed now, not even by this process's stop
  st.current = phase::ending;
  // Clients that did not move (closed, or not yet answered) are this process's to end.
  st.hub->fail_unmoved(503, R"({"detail":"acepool is restarting: connect again"})",
                       {{"Retry-After", "1"}});
  if (st.feed) st.feed->live = false;
  if (st.handover_fd >= 0) ::close(st.handover_fd);
  st.handover_fd = -1;
  // The new process has its own descriptors: closing ours ends nothing for the client or engine.
  if (st.upstream_id != 0) st.deps.http->cancel(st.upstream_id);
  for (auto& req : st.held_clients)
    req.client->fail(503, R"({"detail":"acepool is restarting: connect again"})",
                     {{"Retry-After", "1"}});
  st.held_clients.clear();
  st.deps.counters->clients -= static_cast<int64_t>(st.hub->clients() + st.hls_counted);
  if (st.hls)
    st.deps.hls_sequences->remember(st.key, st.hls->next_sequence(), st.hls->discontinuities());
  self->quit();
}

void continue_handover(relay_actor* self, relay_handover& from) {
  auto& st = self->state;
  st.stream_id = from.stream_id;
  st.playback_url = from.playback_url;
  st.session = from.session;
  st.started_at = wall::time_point(std::chrono::milliseconds(from.started_at_ms));
  st.failovers = from.failovers;
  auto engines = st.deps.published->engines.load();
  for (const auto& e : engines->engines)
    if (e.container_id == from.session.container_id) st.engine = e;
  st.hub->continue_from(from.hub);
  for (size_t i = 0; i < from.hub.clients.size() && i < from.adopted_clients.size(); ++i)
    if (from.adopted_clients[i])  // none: its socket could not be used here
      st.hub->adopt(from.adopted_clients[i], from.hub.clients[i].pos, from.hub.clients[i].sent);
  auto feed = std::make_shared<upstream_feed>();
  feed->hub = st.hub;
  if (auto body = relay::upstream_body::from_json(from.upstream_body)) feed->body = *body;
  feed->aligner = relay::ts_aligner::resume(from.aligner_held, from.aligner_waiting_for_pat);
  feed->got_bytes = true;
  st.feed = feed;
  ++st.session_no;
  st.current = phase::streaming;
  st.streamed = true;
  st.streaming_since = steady::now();
  st.upstream_id =
      st.deps.http->adopt(std::exchange(from.upstream_fd, -1), upstream_callbacks(self, feed));
  // The record continues (the registry kept it open); the stream's engine counts it again.
  stream_started_event ev;
  ev.container_id = st.session.container_id;
  ev.engine_host = st.engine ? st.engine->host : "";
  ev.engine_port = st.engine ? st.engine->port : 0;
  ev.key_type = st.key_type;
  ev.key = st.key;
  ev.playback_session_id = st.session.playback_session_id;
  ev.stat_url = st.session.stat_url;
  ev.command_url = st.session.command_url;
  ev.labels["stream_id"] = st.stream_id;
  caf::anon_send(st.deps.registry, stream_started_atom::value, ev, stream_source::relay);
  log::event(spdlog::level::info, "relay.taken_over",
             {{"stream", st.stream_id},
              {"key", st.key},
              {"clients", from.hub.clients.size()},
              {"engine", st.session.container_id}});
  if (st.upstream_id == 0) session_lost(self, {"the engine HTTP client is stopping"}, 503);
}

caf::message_handler takeover_handlers(relay_actor* self) {
  return {
      [self](takeover_export_atom) { return begin_handover(self); },
      [self](takeover_upstream_atom, int fd) { on_upstream_frozen(self, fd); },
      [self](takeover_suspended_atom, bool ok) { on_clients_suspended(self, ok); },
      [self](takeover_resume_atom) { resume_after_handover(self); },
      [self](takeover_release_atom) {
        release_handover(self);
        return caf::ok_atom::value;
      },
  };
}

}  // namespace acepool::actors::relay_detail
