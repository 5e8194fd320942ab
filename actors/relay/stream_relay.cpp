// stream_relay: one stream key's engine session and clients. The actor handles control only
// (selection, provisioning, session start, failover, stats, end); stream bytes go from the
// upstream reader thread straight into the stream_hub and from there to the clients' sockets.
#include "actors/relay/stream_relay.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/relay/relay_rules.hpp"
#include "actors/relay/ts_packets.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metrics_registry.hpp"
#include "support/random_id.hpp"
#include "support/text_safety.hpp"
#include "support/time_format.hpp"

namespace acepool::actors {

namespace {

using relay::engine_verdict;
using relay::phase;
using relay::session_loss;
using steady = std::chrono::steady_clock;
using wall = std::chrono::system_clock;
using namespace std::chrono_literals;

constexpr auto tick_every = 500ms;
constexpr auto keepalive_every = 1s;  // docs/behaviour.md §7: null packets while waiting
constexpr auto stop_command_timeout = 5s;
constexpr auto stat_timeout = 5s;
constexpr size_t keepalive_packets = 7;  // 1316 bytes, one UDP-sized TS burst

/// What the upstream reader thread touches: the aligner (only that thread uses it) and flags.
struct upstream_feed {
  relay::ts_aligner aligner{true};
  std::weak_ptr<relay::stream_hub> hub;
  std::atomic<bool> live{true};
  std::atomic<bool> got_bytes{false};
};

struct stream_relay_state {
  static inline const char* name = "stream_relay";
  relay_deps deps;
  caf::actor manager;
  std::string key, key_type, params;
  std::shared_ptr<relay::stream_hub> hub;
  phase current = phase::selecting;
  uint64_t session_no = 0;
  std::string reservation;
  std::optional<engine_record> engine;
  relay_session session;
  std::string playback_url;
  std::string stream_id;
  wall::time_point started_at = wall::now();
  uint64_t upstream_id = 0;
  std::shared_ptr<upstream_feed> feed;
  steady::time_point deadline{};  // first byte of the session being opened
  steady::time_point streaming_since{}, last_keepalive{}, last_stat{};
  std::optional<steady::time_point> empty_since;
  std::optional<steady::time_point> vpn_wait_since;  // failover waiting for the VPN
  bool streamed = false;  // clients have had stream bytes (so a loss is a failover)
  bool provisioned = false;
  bool stat_in_flight = false;
  engine_wishes wishes;  // for the next engine selection
  relay::failover_counter failover{0};
  uint64_t failovers = 0;
  int reported_clients = -1;
  std::string end_reason;
  std::vector<caf::response_promise> stop_replies;

  const config::settings& settings() const { return *deps.settings; }

  relay::relay_limits limits() const {
    const auto& r = settings().relay;
    return {r.failover_attempts, r.stream_linger, r.stream_empty_timeout, r.stream_start_timeout,
            settings().docker.provision_timeout};
  }

  nlohmann::json engine_json_brief() const {
    if (!engine) return nullptr;
    return {{"container_id", engine->container_id}, {"host", engine->host}, {"port", engine->port}};
  }

  /// /ace/status for this stream.
  nlohmann::json status() const {
    return {{"clients", hub->clients()},
            {"stream_id", stream_id},
            {"stat_url", session.stat_url},
            {"engine", engine_json_brief()},
            {"started_at", support::format_rfc3339(started_at)},
            {"bytes_relayed", hub->bytes_out()}};
  }

  nlohmann::json summary() const {
    return {{"key", key},
            {"state", to_string(current)},
            {"clients", hub->clients()},
            {"failovers", failovers},
            {"bytes_in", hub->bytes_in()}};
  }

  nlohmann::json full_state() const {
    auto j = summary();
    j["stream_id"] = stream_id;
    j["engine"] = engine_json_brief();
    j["playback_session_id"] = session.playback_session_id;
    j["attempts"] = failover.attempts();
    j["hub"] = hub->state();
    return j;
  }
};

using relay_actor = tracked_actor<stream_relay_state>;

void count(relay_actor* self, const char* name, const char* help) {
  if (auto* m = self->state.deps.metrics) m->counter(name, help).inc();
}

void begin_select(relay_actor* self);
void end_relay(relay_actor* self, const std::string& reason, int status, const std::string& detail);

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
  count(self, "acepool_relay_failovers_total", "Relay sessions replaced after an upstream loss");
  log::event(spdlog::level::warn, "stream.failover",
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

void start_upstream(relay_actor* self) {
  auto& st = self->state;
  auto feed = std::make_shared<upstream_feed>();
  feed->hub = st.hub;
  st.feed = feed;
  st.current = phase::connecting;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto no = st.session_no;
  support::async_http_client::stream_callbacks cb;
  cb.on_data = [feed](const char* data, size_t n) {
    if (!feed->live) return;
    auto out = feed->aligner.feed(data, n);
    if (out.packets.empty()) return;
    feed->got_bytes = true;
    if (auto hub = feed->hub.lock()) hub->append(std::move(out.packets), out.pat_offsets);
  };
  cb.on_end = [me, no, feed](support::http_result r) {
    if (!feed->live) return;
    auto why = !r.error.empty()  ? r.error
               : r.status >= 400 ? "engine answered HTTP " + std::to_string(r.status)
                                 : std::string("end of stream");
    caf::anon_send(me, upstream_end_atom::value, no, why);
  };
  st.upstream_id = st.deps.http->stream(st.playback_url, 5s, std::move(cb));
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
  count(self, "acepool_relay_sessions_total", "Engine sessions opened by the relay");
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
    log::event(spdlog::level::info, "relay.started",
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

void fail_provisioning(relay_actor* self, const provision_error& err) {
  auto& st = self->state;
  if (st.streamed && err.code == provision_code::vpn_disconnected && wait_for_vpn(self)) return;
  if (st.streamed) {
    session_lost(self, {"no engine: " + err.message}, 503);
    return;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (err.eta_s) headers.emplace_back("Retry-After", std::to_string(*err.eta_s));
  st.hub->fail_waiting(http_status(err.code, true), support::dump_json(error_body(err)), headers);
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
  int n = static_cast<int>(st.hub->clients());
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
  if (no != st.session_no || st.current != phase::streaming || status != 200) return;
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
  if (st.current == phase::ending) return;
  if (st.current == phase::connecting && st.feed && st.feed->got_bytes) {
    st.current = phase::streaming;
    st.streamed = true;
    st.streaming_since = now;
    st.vpn_wait_since.reset();
  }
  st.hub->publish();
  st.hub->sweep(now);
  report_clients(self);
  if (st.hub->clients() > 0)
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
  st.hub->fail_waiting(status, support::dump_json(nlohmann::json{{"detail", detail}}), {});
  st.hub->finish_all();
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

caf::behavior stream_relay(relay_actor* self, relay_deps deps, caf::actor manager, std::string key,
                           std::string key_type, std::string params) {
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
  self->set_exit_handler([self](caf::exit_msg& m) {
    auto& st = self->state;
    if (st.current != phase::ending) {
      st.current = phase::ending;
      if (st.feed) st.feed->live = false;
      if (st.upstream_id != 0) st.deps.http->cancel(st.upstream_id);
      st.hub->fail_waiting(503, R"({"detail":"service is shutting down"})", {});
      st.hub->finish_all();
      // The registry ends the record as `shutdown` when it next starts.
    }
    self->quit(m.reason);
  });
  begin_select(self);
  self->delayed_send(self, tick_every, tick_atom::value);
  return introspectable(
      self, caf::message_handler{
                [self](open_stream_atom, relay_request& req) {
                  auto& st = self->state;
                  if (st.current == phase::ending) {
                    // The manager forgot this relay already: it starts a new one for the client.
                    self->send(st.manager, open_stream_atom::value, std::move(req));
                    return caf::ok_atom::value;
                  }
                  st.empty_since.reset();
                  st.hub->attach(std::move(req.client));
                  return caf::ok_atom::value;
                },
                [self](session_answer_atom, uint64_t no, int status, const std::string& body) {
                  on_session_answer(self, no, status, body);
                },
                [self](upstream_end_atom, uint64_t no, const std::string& why) {
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
                  self->state.stop_replies.push_back(rp);
                  end_relay(self, reason, 503, "stream stopped");
                  return rp;
                },
            });
}

}  // namespace

caf::actor spawn_stream_relay(caf::actor_system& sys, actor_directory& directory,
                              const relay_deps& deps, caf::actor manager, std::string key,
                              std::string key_type, std::string params) {
  auto name = "stream_relay/" + key;
  auto a = sys.spawn(stream_relay, deps, std::move(manager), std::move(key), std::move(key_type),
                     std::move(params));
  directory.add(a, std::move(name), "stream_relay", false);
  return a;
}

}  // namespace acepool::actors
