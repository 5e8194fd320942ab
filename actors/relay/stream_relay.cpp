// stream_relay: one stream key's engine session and clients. The actor handles control only
// (selection, provisioning, session start, failover, stats, end); stream bytes go from the
// upstream reader thread straight into the stream_hub and from there to the clients' sockets.
#include "actors/relay/stream_relay.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/relay/stream_relay_internal.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/text_safety.hpp"

namespace acepool::actors {

namespace relay_detail {

void count(relay_actor* self, const metrics::metric_family& family) {
  if (auto* m = self->state.deps.metrics) m->counter(family).inc();
}

/// A failover blocked only because the VPN is down (e.g. Gluetun restarting) waits for it, with
/// keep-alive packets, up to PROVISION_TIMEOUT_S without spending a failover attempt.
bool wait_for_vpn(relay_actor* self) {
  auto& st = self->state;
  auto now = steady::now();
  if (!st.vpn_wait_since) st.vpn_wait_since = now;
  if (!relay::may_wait_for_vpn(*st.vpn_wait_since, now, st.limits())) return false;
  st.provisioned = false;
  st.current = phase::backoff;
  self->delayed_send(self, 1s, relay_retry_atom::value, st.session_no);
  return true;
}

/// Answers every client still waiting for its first byte (MPEG-TS) or segment (HLS).
void fail_waiting(relay_actor* self, int status, const std::string& body,
                  const std::vector<std::pair<std::string, std::string>>& headers) {
  auto& st = self->state;
  st.hub->fail_waiting(status, body, headers);
  if (st.hls) st.hls->fail_waiting({status, body, headers});
}

/// HLS viewers join the process-wide client count (MAX_CLIENTS, /ace/status) as they come and go.
void count_hls_viewers(relay_actor* self, size_t viewers) {
  auto& st = self->state;
  st.deps.counters->clients += static_cast<int64_t>(viewers) - static_cast<int64_t>(st.hls_counted);
  st.hls_counted = viewers;
}

void fail_provisioning(relay_actor* self, const provision_error& err) {
  auto& st = self->state;
  if (st.streamed && err.code == provision_code::vpn_disconnected && wait_for_vpn(self)) return;
  if (st.streamed) {
    session_lost(self, {"no engine: " + err.message}, 503);
    return;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (err.eta_s) headers.emplace_back("Retry-After", std::to_string(*err.eta_s));
  fail_waiting(self, http_status(err.code, true), support::dump_json(error_body(err)), headers);
  end_relay(self, "upstream_failed", 503, err.message);
}

void provision(relay_actor* self) {
  auto& st = self->state;
  st.current = phase::provisioning;
  st.provisioned = true;
  engine_request req;
  req.origin = request_origin::relay;
  auto no = st.session_no;
  self->request(st.deps.provisioner, st.settings().docker.provision_timeout + 15s,
                provision_engine_atom::value, req)
      .then(
          [self, no](const provision_result& r) {
            auto& st = self->state;
            if (no != st.session_no || st.current != phase::provisioning) return;
            if (!r.ok() || !r.engine) {
              fail_provisioning(self, r.error.value_or(provision_error{}));
              return;
            }
            st.wishes.preferred = r.engine->container_id;
            begin_select(self);
          },
          [self, no](caf::error& e) {
            if (no != self->state.session_no) return;
            fail_provisioning(self, {provision_code::general_error,
                                     "provisioning did not answer: " + to_string(e), 10});
          });
}

void begin_select(relay_actor* self) {
  auto& st = self->state;
  ++st.session_no;
  st.current = phase::selecting;
  st.reservation = "relay/" + st.key + "/" + std::to_string(st.session_no);
  auto no = st.session_no;
  self->request(st.deps.registry, 10s, select_engine_atom::value, st.reservation, st.wishes,
                st.stream_id)
      .then(
          [self, no](const engine_choice& choice) {
            auto& st = self->state;
            if (no != st.session_no || st.current != phase::selecting) return;
            if (choice.engine) {
              open_session(self, *choice.engine);
            } else if (!st.provisioned) {
              provision(self);
            } else {
              fail_provisioning(self, {provision_code::max_capacity,
                                       "no engine with a free stream slot", std::nullopt});
            }
          },
          [self](caf::error& e) {
            session_lost(self, {"engine registry did not answer: " + to_string(e)}, 503);
          });
}

void report_clients(relay_actor* self) {
  auto& st = self->state;
  int n = static_cast<int>(st.clients());
  if (n == st.reported_clients || st.stream_id.empty()) return;
  st.reported_clients = n;
  self->send(st.deps.registry, stream_clients_atom::value, st.stream_id, n);
}

void poll_stats(relay_actor* self, steady::time_point now) {
  auto& st = self->state;
  if (st.stat_in_flight || st.session.stat_url.empty() ||
      now - st.last_stat < st.settings().relay.collect_interval)
    return;
  st.last_stat = now;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto no = st.session_no;
  st.stat_in_flight =
      st.deps.http->get(st.session.stat_url, stat_timeout, [me, no](support::http_result r) {
        caf::anon_send(me, relay_stat_atom::value, no, r.status, std::move(r.body));
      });
}

void on_stat(relay_actor* self, uint64_t no, int status, const std::string& body) {
  auto& st = self->state;
  st.stat_in_flight = false;
  if (no != st.session_no || st.current != phase::streaming || status != 200 || st.handing_over)
    return;
  auto answer = parse_stat_answer(body, wall::now());
  if (answer.snapshot)
    self->send(st.deps.registry, stream_stats_atom::value, st.stream_id, *answer.snapshot);
  else if (answer.unknown_session)
    session_lost(self, {"unknown playback session id"}, 502);
}

/// Whether the session's engine is still fit to stream from (the published engines snapshot).
std::optional<session_loss> engine_problem(const stream_relay_state& st) {
  if (!st.engine) return std::nullopt;
  auto engines = st.deps.published->engines.load();
  const engine_record* found = nullptr;
  for (const auto& e : engines->engines)
    if (e.container_id == st.engine->container_id) found = &e;
  return relay::engine_problem(found);
}

void on_tick(relay_actor* self) {
  auto& st = self->state;
  auto now = steady::now();
  self->delayed_send(self, tick_every, tick_atom::value);
  if (st.current == phase::ending || st.handing_over) return;
  if (st.current == phase::connecting && st.feed && st.feed->got_bytes) {
    st.current = phase::streaming;
    st.streamed = true;
    st.streaming_since = now;
    st.vpn_wait_since.reset();
  }
  st.hub->publish();
  st.hub->sweep(now);
  if (st.hls) {
    count_hls_viewers(self, st.hls->viewers(now));
    if (st.hls->take_pat_fallback_notice())
      log::event(spdlog::level::warn, "hls.cut_at_pat",
                 {{"stream", st.stream_id},
                  {"key", st.key},
                  {"detail",
                   "no keyframe marked within 3 HLS_SEGMENT_S: HLS segments are cut at PAT "
                   "boundaries and may not start with a decodable picture (a stream with "
                   "keyframes that rare wants a longer HLS_SEGMENT_S)"}});
  }
  report_clients(self);
  if (st.clients() > 0)
    st.empty_since.reset();
  else if (!st.empty_since)
    st.empty_since = now;
  relay::watchdog_facts facts{st.current, now, st.empty_since, st.deadline,
                              st.hub->last_upstream()};
  switch (relay::check(facts, st.limits())) {
    case relay::watchdog_finding::linger_over:
      return end_relay(self, "client_disconnect", 502, "stream ended");
    case relay::watchdog_finding::start_timeout: {
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(
          st.settings().relay.stream_start_timeout);
      return session_lost(self,
                          {"no stream data from the engine within STREAM_START_TIMEOUT_S (" +
                               std::to_string(secs.count()) + " s)",
                           engine_verdict::avoid},
                          504);
    }
    case relay::watchdog_finding::silent:
      return session_lost(self, {"no data within STREAM_EMPTY_TIMEOUT_S", engine_verdict::avoid},
                          502);
    case relay::watchdog_finding::fine:
      break;
  }
  if (st.current == phase::streaming) {
    if (auto problem = engine_problem(st)) return session_lost(self, *problem, 502);
    st.failover.flowing(st.streaming_since, now);
    poll_stats(self, now);
  } else if (st.streamed && now - st.last_keepalive >= keepalive_every) {
    // Clients wait for the next session: keep players and proxies from timing out.
    st.last_keepalive = now;
    st.hub->append(relay::null_packets(keepalive_packets), {}, false);
    st.hub->publish();
  }
}

void finish(relay_actor* self) {
  auto& st = self->state;
  for (auto& rp : st.stop_replies)
    rp.deliver(stream_end_result{});
  st.stop_replies.clear();
  self->quit();
}

void end_relay(relay_actor* self, const std::string& reason, int status,
               const std::string& detail) {
  auto& st = self->state;
  if (st.current == phase::ending) return;
  st.current = phase::ending;
  st.end_reason = reason;
  drop_session(self);
  fail_waiting(self, status, support::dump_json(nlohmann::json{{"detail", detail}}), {});
  st.hub->finish_all();
  count_hls_viewers(self, 0);
  // Before the manager hears of the end (and may start the key's next relay).
  if (st.hls)
    st.deps.hls_sequences->remember(st.key, st.hls->next_sequence(), st.hls->discontinuities());
  self->send(st.manager, relay_ended_atom::value, st.key);
  log::event(reason == "client_disconnect" ? spdlog::level::info : spdlog::level::warn,
             "relay.ended",
             {{"stream", st.stream_id}, {"key", st.key}, {"reason", reason}, {"detail", detail}});
  if (st.stream_id.empty()) {
    finish(self);
    return;
  }
  self->request(st.deps.registry, 10s, end_stream_atom::value, st.stream_id, reason)
      .then(
          [self](const stream_end_result& r) {
            for (auto& rp : self->state.stop_replies)
              rp.deliver(r);
            self->state.stop_replies.clear();
            finish(self);
          },
          [self](caf::error&) { finish(self); });
}

/// acepool stops: waiting clients get 503, streaming ones their end; the registry ends the
/// record as `shutdown`.
void on_exit(relay_actor* self, caf::exit_msg& m) {
  auto& st = self->state;
  if (st.handing_over && !st.handover_reply) {
    // Offered to a new process, which may own it now: never touched again from here.
    release_handover(self);
    self->quit(m.reason);
    return;
  }
  resume_after_handover(self);  // an export not yet offered: this process serves it to the end
  if (st.current != phase::ending) {
    st.current = phase::ending;
    if (st.feed) st.feed->live = false;
    if (st.upstream_id != 0) st.deps.http->cancel(st.upstream_id);
    fail_waiting(self, 503, R"({"detail":"service is shutting down"})", {});
    st.hub->finish_all();
    count_hls_viewers(self, 0);
  }
  self->quit(m.reason);
}

/// An HLS request: a playlist request counts its viewer, and its answer comes from the stream's
/// HLS track (at once, or when the first segment is cut); a segment request only refreshes a
/// viewer already counted (any `v` would otherwise count as one more client) and never makes
/// a track.
void on_hls(relay_actor* self, relay_request& req) {
  auto& st = self->state;
  const auto& ask = *req.hls;
  if (ask.sequence) {
    if (!st.hls)
      return ask.reply->fail(
          {404, R"({"detail":"segment not held: ask for the playlist again"})", {}});
    st.hls->touch(ask.viewer, steady::now(), false);
    ask.reply->ready(st.hls);  // the segment is looked up by the request itself
    return;
  }
  if (!st.hls) {
    const auto& r = st.settings().relay;
    relay::hls_track_options o;
    o.segments.target = std::chrono::duration_cast<std::chrono::milliseconds>(r.hls_segment);
    o.window = static_cast<size_t>(r.hls_window);
    o.max_viewers = static_cast<size_t>(r.max_clients);
    o.start = st.deps.hls_sequences->start(st.key, wall::now());
    st.hls = std::make_shared<relay::hls_track>(o);
    if (st.feed) std::atomic_store(&st.feed->hls, st.hls);
  }
  // A new viewer takes its place in MAX_CLIENTS now (relays run on several threads), not at
  // the next tick. (Only this actor adds viewers: knows() still holds at touch().)
  bool reserved = !st.hls->knows(ask.viewer) &&
                  reserve_client(*st.deps.counters, st.settings().relay.max_clients);
  auto touched = st.hls->touch(ask.viewer, steady::now(), reserved);
  if (touched == relay::hls_track::touch_result::added)
    ++st.hls_counted;
  else if (reserved)
    --st.deps.counters->clients;
  if (touched == relay::hls_track::touch_result::refused) {
    ask.reply->fail({503, R"({"detail":"too many clients"})", {}});
    return;
  }
  st.empty_since.reset();
  auto track = st.hls;
  auto reply = ask.reply;
  if (!track->when_ready(ask.viewer, [reply, track](const relay::hls_failure* failure) {
        if (failure == nullptr)
          reply->ready(track);
        else
          reply->fail(*failure);
      }))
    reply->fail({503, R"({"detail":"too many clients"})", {}});
}

/// A client for this key: it joins the stream, or (the relay is ending) goes back to the
/// manager, which starts a new relay for it.
void on_client(relay_actor* self, relay_request& req) {
  auto& st = self->state;
  if (st.current == phase::ending) {
    self->send(st.manager, open_stream_atom::value, std::move(req));
    return;
  }
  if (req.hls) return on_hls(self, req);
  st.empty_since.reset();
  if (st.handing_over) {
    st.held_clients.push_back(std::move(req));  // joins when the takeover ends either way
    return;
  }
  st.hub->attach(std::move(req.client));
}

caf::behavior stream_relay(relay_actor* self, relay_deps deps, stream_manager_handle manager,
                           std::string key, std::string key_type, std::string params,
                           const relay_handover_ptr& adopted) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.manager = std::move(manager);
  st.key = std::move(key);
  st.key_type = std::move(key_type);
  st.params = std::move(params);
  st.failover = relay::failover_counter(st.settings().relay.failover_attempts);
  relay::hub_options o;
  o.buffer_bytes = st.settings().relay.buffer_bytes;
  o.write_timeout = st.settings().relay.client_write_timeout;
  st.hub = std::make_shared<relay::stream_hub>(o, st.deps.counters, nullptr);
  self->set_exit_handler([self](caf::exit_msg& m) { on_exit(self, m); });
  if (adopted)
    continue_handover(self, *adopted);
  else
    begin_select(self);
  self->delayed_send(self, tick_every, tick_atom::value);
  return introspectable(
      self, caf::message_handler{
                [self](open_stream_atom, relay_request& req) {
                  on_client(self, req);
                  return caf::ok_atom::value;
                },
                [self](session_answer_atom, uint64_t no, int status, const std::string& body) {
                  on_session_answer(self, no, status, body);
                },
                [self](upstream_end_atom, uint64_t no, const std::string& why) {
                  // While handing over, what became of the upstream is the next owner's to find.
                  if (self->state.handing_over) return;
                  if (no == self->state.session_no && (self->state.current == phase::connecting ||
                                                       self->state.current == phase::streaming))
                    session_lost(self, {why, engine_verdict::avoid}, 502);
                },
                [self](relay_stat_atom, uint64_t no, int status, const std::string& body) {
                  on_stat(self, no, status, body);
                },
                [self](relay_retry_atom, uint64_t no) {
                  if (no == self->state.session_no && self->state.current == phase::backoff)
                    begin_select(self);
                },
                [self](tick_atom) { on_tick(self); },
                [self](relay_status_atom) { return support::dump_json(self->state.status()); },
                [self](stop_relay_atom, const std::string&, const std::string& reason) {
                  auto rp = self->make_response_promise();
                  if (self->state.handing_over) {
                    rp.deliver(make_error(request_error::failed,
                                          "the stream is moving to a new acepool process: ask "
                                          "again in a moment"));
                    return rp;
                  }
                  self->state.stop_replies.push_back(rp);
                  end_relay(self, reason, 503, "stream stopped");
                  return rp;
                },
            }
                .or_else(takeover_handlers(self)));
}

}  // namespace relay_detail

caf::actor spawn_stream_relay(caf::actor_system& sys, actor_directory& directory,
                              const relay_deps& deps, stream_manager_handle manager,
                              std::string key, std::string key_type, std::string params,
                              relay_handover_ptr adopted) {
  auto name = "stream_relay/" + key;
  auto a = sys.spawn(relay_detail::stream_relay, deps, std::move(manager), std::move(key),
                     std::move(key_type), std::move(params), std::move(adopted));
  directory.add(a, name, "stream_relay", false);
  return a;
}

}  // namespace acepool::actors
