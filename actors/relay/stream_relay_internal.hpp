#pragma once

// The stream relay's insides, shared by its two files: stream_relay.cpp (selection,
// provisioning, watchdogs, end, the behaviour) and stream_relay_session.cpp (opening a session
// on an engine, the upstream, losing a session). Not for use outside actors/relay/.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/message_handler.hpp>
#include <caf/response_promise.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/relay/relay_rules.hpp"
#include "actors/relay/stream_hub.hpp"
#include "actors/relay/stream_relay.hpp"
#include "actors/relay/ts_packets.hpp"
#include "actors/relay/upstream_body.hpp"
#include "actors/runtime/instrumented_actor.hpp"
#include "config/settings.hpp"
#include "support/async_http_client.hpp"
#include "support/metric_families.hpp"
#include "support/time_format.hpp"

namespace acepool::actors::relay_detail {

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

/// What the upstream reader thread touches: the body decoder and the aligner (only that thread
/// uses them) and flags.
struct upstream_feed {
  relay::upstream_body body;
  relay::ts_aligner aligner{true};
  std::weak_ptr<relay::stream_hub> hub;
  /// The stream's HLS track once an HLS viewer came (set by the actor while the reader runs:
  /// read and written with std::atomic_load/atomic_store).
  std::shared_ptr<relay::hls_track> hls;
  std::atomic<bool> live{true};
  std::atomic<bool> got_bytes{false};
};

struct stream_relay_state {
  static inline const char* name = "stream_relay";
  relay_deps deps;
  stream_manager_handle manager;
  std::string key, key_type, params;
  std::shared_ptr<relay::stream_hub> hub;
  std::shared_ptr<relay::hls_track> hls;  // made for the first HLS viewer
  size_t hls_counted = 0;                 // HLS viewers added to the process-wide client count
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
  // Takeover (stream_relay_takeover.cpp): the export under way.
  bool handing_over = false;
  std::optional<caf::typed_response_promise<relay_handover_ptr>> handover_reply;
  int handover_fd = -1;  // the frozen upstream's duplicate
  int handover_tries = 0;
  std::vector<relay_request> held_clients;  // arrived while handing over

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

  /// MPEG-TS clients and HLS viewers (as last counted).
  size_t clients() const { return hub->clients() + hls_counted; }

  /// /ace/status for this stream.
  nlohmann::json status() const {
    return {{"clients", clients()},
            {"hls_viewers", hls_counted},
            {"hls_segments", hls ? hls->segments() : 0},
            {"stream_id", stream_id},
            {"stat_url", session.stat_url},
            {"engine", engine_json_brief()},
            {"started_at", support::format_rfc3339(started_at)},
            {"bytes_relayed", hub->bytes_out()}};
  }

  nlohmann::json summary() const {
    return {{"key", key},
            {"state", to_string(current)},
            {"clients", clients()},
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

/// Counts one event in a plain counter of the metrics registry.
void count(relay_actor* self, const metrics::metric_family& family);

// ---- stream_relay_session.cpp ----

/// Cuts the current upstream and stops its engine session (fire and forget).
void drop_session(relay_actor* self);
/// A session was lost or could not be opened: a failover when clients have been streaming,
/// otherwise the start failed and waiting clients get `status` with `detail`.
void session_lost(relay_actor* self, const session_loss& loss, int status);
/// Asks `e` for a session of the stream key; the answer comes back as session_answer_atom.
void open_session(relay_actor* self, const engine_record& e);
/// The engine's answer to the session request: the record, then the upstream.
void on_session_answer(relay_actor* self, uint64_t no, int status, const std::string& body);

/// The stream callbacks of an upstream feeding `feed` (the current session).
support::async_http_client::stream_callbacks upstream_callbacks(
    relay_actor* self, const std::shared_ptr<upstream_feed>& feed);

// ---- stream_relay_takeover.cpp ----

/// takeover_export_atom: freezes the upstream, then suspends the clients; the answer comes when
/// both are still (or the request fails: not streaming, a client that cannot move).
caf::result<relay_handover_ptr> begin_handover(relay_actor* self);
void on_upstream_frozen(relay_actor* self, int fd);
void on_clients_suspended(relay_actor* self, bool ok);
/// takeover_resume_atom: the takeover did not happen; stream on.
void resume_after_handover(relay_actor* self);
/// takeover_release_atom: the new process owns this stream now; end without a word.
void release_handover(relay_actor* self);
/// In the new process: the relay continues `from` (clients, hub bytes, engine session).
void continue_handover(relay_actor* self, relay_handover& from);
/// The relay's takeover messages (export, its internal steps, resume, release).
caf::message_handler takeover_handlers(relay_actor* self);

// ---- stream_relay.cpp ----

/// Selects an engine for the next session (provisioning one when none is free).
void begin_select(relay_actor* self);
/// Ends the relay: clients closed with `status`/`detail` when still waiting, record ended.
void end_relay(relay_actor* self, const std::string& reason, int status, const std::string& detail);

}  // namespace acepool::actors::relay_detail
