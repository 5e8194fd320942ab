#pragma once

// The whole actor protocol of acepool: every atom (with who sends it and what comes back) and
// every message type. Actor files declare no atoms of their own. Touching this file rebuilds
// every actor, so it stays small and stable.

#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "actors/pool/engine_record.hpp"
#include "actors/pool/pool_policy.hpp"
#include "actors/provisioning/provision_types.hpp"
#include "actors/relay/relay_handover.hpp"
#include "actors/relay/relay_types.hpp"
#include "actors/request_error.hpp"
#include "actors/streams/engine_selection.hpp"
#include "actors/streams/stream_record.hpp"
#include "docker/docker_result.hpp"
#include "docker/docker_types.hpp"
#include "docker/engine_spec.hpp"

namespace acepool::actors {

// ---- Introspection and liveness (every registered actor answers these) ----

/// HTTP /debug/actors → any registered actor. Reply: `std::string`, a JSON object
/// `{"id","mailbox","processed","last_message_at","state_summary"}` measured by the actor itself.
using get_stats_atom = caf::atom_constant<caf::atom("getstats")>;

/// HTTP /debug/actors/{name} → any registered actor. Reply: `std::string`, the actor's full
/// state as a JSON object.
using get_state_atom = caf::atom_constant<caf::atom("getstate")>;

/// HTTP /health/ready → any registered actor. Reply: `caf::ok_atom`.
using ping_atom = caf::atom_constant<caf::atom("ping")>;

// ---- Docker workers (detached actors: the only place Docker calls block) ----

/// any → docker worker: GET /_ping. Reply: `docker::result<docker::done>`.
using docker_ping_atom = caf::atom_constant<caf::atom("dkping")>;

/// any → docker worker, with `docker::filters`, `bool all`: list containers.
/// Reply: `docker::result<std::vector<docker::container_summary>>`.
using docker_list_atom = caf::atom_constant<caf::atom("dklist")>;

/// provisioner → docker worker, with `docker::container_spec`: create and start; a failed start
/// removes the container. Reply: `docker::result<std::string>` (the id).
using docker_run_atom = caf::atom_constant<caf::atom("dkrun")>;

/// any → docker worker, with `std::string` id: inspect. Reply:
/// `docker::result<docker::container_details>`.
using docker_inspect_atom = caf::atom_constant<caf::atom("dkinspect")>;

/// docker_watcher → docker worker: the swarm's nodes (ORCHESTRATOR=swarm). Reply:
/// `docker::result<std::vector<docker::swarm_node>>`.
using docker_nodes_atom = caf::atom_constant<caf::atom("dknodes")>;

/// provisioner → docker worker, with `std::string` id, `int` stop timeout in s: stop, then remove
/// with force. Reply: `docker::result<docker::done>` (a container already gone is success).
using docker_remove_atom = caf::atom_constant<caf::atom("dkremove")>;

/// any → docker worker, with `std::string` id, `int` timeout in s: restart.
/// Reply: `docker::result<docker::done>`.
using docker_restart_atom = caf::atom_constant<caf::atom("dkrestart")>;

/// provisioner → docker worker, with `std::string` image: inspect the image.
/// Reply: `docker::result<docker::image_info>` (`image_missing` when absent).
using docker_image_atom = caf::atom_constant<caf::atom("dkimage")>;

/// provisioner → docker worker, with `std::string` image: pull it. Reply:
/// `docker::result<docker::done>`.
using docker_pull_atom = caf::atom_constant<caf::atom("dkpull")>;

// ---- engine_registry: engines and the capacity claims of provisioning operations ----

/// provisioner → registry, with `std::string` claim id: reserve capacity for one engine
/// (MAX_REPLICAS counts engines not stopping plus claims). Only the provisioner claims: the
/// pool manager and the health_prober ask it for engines. Reply: `bool` granted.
using claim_atom = caf::atom_constant<caf::atom("claim")>;

/// provisioner → registry, with `std::string` claim id: give capacity back. Reply: `caf::ok_atom`.
using unclaim_atom = caf::atom_constant<caf::atom("unclaim")>;

/// provisioner → registry, with `std::string` claim id, `std::string` container id: the claim's
/// container exists (so a sync does not adopt it before it is ready). Reply: `caf::ok_atom`.
using claim_container_atom = caf::atom_constant<caf::atom("claimcont")>;

/// provisioner, docker_watcher → registry, with `engine_record`, `std::string` claim id (may be
/// empty): add or update an engine, consuming the claim. Reply: `caf::ok_atom`.
using engine_up_atom = caf::atom_constant<caf::atom("engineup")>;

/// any → registry, with `std::string` id, name or ≥12-char prefix: the engine is gone.
/// Reply: `std::string` full id, or "" when it was not an engine or was being stopped by acepool
/// (an expected death).
using engine_gone_atom = caf::atom_constant<caf::atom("enginegone")>;

/// provisioner → registry, with `std::string` id, name or prefix: mark the engine stopping (it
/// stops counting). Reply: `std::string` full id ("" when unknown).
using engine_stopping_atom = caf::atom_constant<caf::atom("enginestop")>;

/// provisioner → registry: answered once everything the provisioner sent before is applied (and
/// announced to the subscribers), so a provision_pool answer orders after its removals.
/// Reply: `caf::ok_atom`.
using barrier_atom = caf::atom_constant<caf::atom("barrier")>;

/// docker_watcher → registry, with `std::vector<docker::container_summary>` (the running managed
/// engine containers, and those Swarm is restarting), `int64_t` when the list was requested (steady
/// clock, ns): adopt unknown ones and forget engines that no longer run — only those registered
/// before the list was taken (claims' containers excluded). Reply: `std::vector<std::string>` ids
/// forgotten.
using sync_engines_atom = caf::atom_constant<caf::atom("syncengine")>;

/// provisioner → registry. Reply: `std::vector<std::string>` container names of the engines.
using engine_names_atom = caf::atom_constant<caf::atom("enginename")>;

/// pool_manager → registry, with `caf::actor`: notify it (`registry_changed_atom`) after changes.
/// Reply: `sizing_view`, the pool as it is now.
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;

/// registry → subscribers, with `sizing_view` (managed engines and claims): the pool after a
/// change; the one channel the pool manager learns the pool from. No reply.
using registry_changed_atom = caf::atom_constant<caf::atom("regchanged")>;

/// health_prober → registry, with `std::string` id, `health_status`, `int64_t` checked at (unix
/// ms): the outcome of a probe. No reply.
using set_health_atom = caf::atom_constant<caf::atom("sethealth")>;

/// health_prober → registry, with `std::string` id, `engine_state` (running or draining). No reply.
using set_engine_state_atom = caf::atom_constant<caf::atom("setstate")>;

/// provisioner → registry, with `std::string` claim id, `std::string` engine to replace: like
/// claim_atom but MAX_REPLICAS may be exceeded by one while an unhealthy engine is replaced.
/// Reply: `bool` granted.
using claim_replacement_atom = caf::atom_constant<caf::atom("claimrepl")>;

// ---- engine_registry: stream records ----

/// HTTP /events, stream_relay → registry, with `stream_started_event`, `stream_source`: record a
/// stream (idempotent by id). Reply: `stream_record`.
using stream_started_atom = caf::atom_constant<caf::atom("strstarted")>;

/// HTTP /events → registry, with `stream_ended_event`: end exactly the named stream.
/// Reply: `stream_end_result`.
using stream_ended_atom = caf::atom_constant<caf::atom("strended")>;

/// any → registry, with `std::string` stream id, `std::string` reason: end a stream.
/// Reply: `stream_end_result`.
using end_stream_atom = caf::atom_constant<caf::atom("endstream")>;

/// HTTP /events/batch → registry, with `std::vector<stream_started_event>`,
/// `std::vector<stream_ended_event>`: apply the started events, then the ended ones, each in
/// order and independently. Reply: `stream_batch_result`.
using stream_batch_atom = caf::atom_constant<caf::atom("strbatch")>;

/// stats_collector → registry, with `std::string` stream id, `stats_snapshot`. No reply.
using stream_stats_atom = caf::atom_constant<caf::atom("strstats")>;

/// HTTP → registry, with `std::string` stream id, `int64_t` since (unix ms, 0 = all).
/// Reply: `std::vector<stats_snapshot>` oldest first; request_error not_found.
using stream_history_atom = caf::atom_constant<caf::atom("strhistory")>;

/// pool_manager (/gc) → registry: purge ended streams older than STREAM_HISTORY_TTL_S.
/// Reply: `int` how many.
using purge_streams_atom = caf::atom_constant<caf::atom("purgestr")>;

// ---- engine_registry: relay engines and sessions ----

/// stream_relay → registry, with `std::string` reservation id, `engine_wishes` (preferred,
/// excluded and avoided containers), `std::string` the relay's own stream id (may be empty; it
/// does not count as load while it fails over): pick an engine for a new session
/// (`select_engine`) and count a stream on it until release_engine_atom. Reply: `engine_choice`.
using select_engine_atom = caf::atom_constant<caf::atom("selengine")>;

/// stream_relay → registry, with `std::string` reservation id: drop the reservation. No reply.
using release_engine_atom = caf::atom_constant<caf::atom("relengine")>;

/// stream_relay → registry, with `std::string` stream id, `relay_session`: failover moved the
/// stream to a new engine session. No reply.
using stream_session_atom = caf::atom_constant<caf::atom("strsession")>;

/// stream_relay → registry, with `std::string` stream id, `int` clients. No reply.
using stream_clients_atom = caf::atom_constant<caf::atom("strclients")>;

// ---- stream_manager and stream_relay ----

/// HTTP → stream_manager, with `relay_request`: attach the client to its key's relay (spawned
/// for a new key), or serve its HLS request there (a segment request never spawns one). No
/// reply: the client is answered through its sink or hls_reply. stream_manager → stream_relay:
/// the same.
using open_stream_atom = caf::atom_constant<caf::atom("openstream")>;

/// HTTP → stream_manager, with `std::string` key ("" = every relay). Reply: `std::string`, the
/// /ace/status JSON ("" when no relay runs the key).
using relay_status_atom = caf::atom_constant<caf::atom("relstatus")>;

/// HTTP (DELETE /streams/{id}) → stream_manager, with `std::string` stream id, `std::string` end
/// reason: stop the stream, whoever serves it (its relay, or for a stream reported by an
/// external proxy the stats_collector's stop_session). Reply: `stream_record` as ended;
/// request_error not_found (unknown id) or already_ended.
using stop_stream_atom = caf::atom_constant<caf::atom("stopstream")>;

/// stream_manager → stream_relay, with `std::string` stream id, `std::string` end reason: stop
/// the relay and close its clients. Reply: `stream_end_result`.
using stop_relay_atom = caf::atom_constant<caf::atom("stoprelay")>;

/// stream_relay → stream_manager, with `std::string` key: the relay is ending; later clients of
/// the key get a new relay. No reply.
using relay_ended_atom = caf::atom_constant<caf::atom("relended")>;

/// takeover server → stream_manager (no arguments; reply: `std::vector<relay_handover_ptr>`,
/// every relay suspended and described) and stream_manager → stream_relay (reply:
/// `relay_handover_ptr`): hand the relays over to a new process. A relay that is not streaming
/// (or a client that cannot move) fails the request; the manager then resumes the others.
using takeover_export_atom = caf::atom_constant<caf::atom("tkexport")>;

/// takeover server → stream_manager → stream_relay: the takeover did not happen; go on.
/// Reply (manager): `caf::ok_atom`.
using takeover_resume_atom = caf::atom_constant<caf::atom("tkresume")>;

/// takeover server → stream_manager → stream_relay: the new process owns the exported relays;
/// they end without a word (no record ended, no session stopped, no client closed). The manager
/// tells the registry (handed_over_atom). Reply (manager, relay): `caf::ok_atom`, once done.
using takeover_release_atom = caf::atom_constant<caf::atom("tkrelease")>;

/// takeover client → stream_manager, with `relay_handover_ptr` (its clients' sinks made): run
/// the relay in this process from where the old one stood. Reply: `caf::ok_atom`.
using takeover_adopt_atom = caf::atom_constant<caf::atom("tkadopt")>;

/// async HTTP thread → stream_relay, with `int` descriptor (-1: none): the upstream is frozen.
/// hub → stream_relay, with `bool`: every client is suspended (false: one cannot move).
/// Internal steps of takeover_export_atom. No reply.
using takeover_upstream_atom = caf::atom_constant<caf::atom("tkupstream")>;
using takeover_suspended_atom = caf::atom_constant<caf::atom("tksuspend")>;

/// stream_manager → engine_registry, with `std::vector<std::string>` stream ids: another process
/// continues these relay streams; this one's stop must not end their records. Reply:
/// `caf::ok_atom` (the manager answers its release only then).
using handed_over_atom = caf::atom_constant<caf::atom("handedover")>;

/// async HTTP thread → stream_relay, with `uint64_t` session, `int` status, `std::string` body:
/// the engine's getstream answer. No reply.
using session_answer_atom = caf::atom_constant<caf::atom("sessanswer")>;

/// upstream thread → stream_relay, with `uint64_t` session, `std::string` error ("" = EOF): the
/// playback stream ended. No reply.
using upstream_end_atom = caf::atom_constant<caf::atom("upend")>;

/// async HTTP thread → stream_relay, with `uint64_t` session, `int` status, `std::string` body:
/// a stat URL poll answered. No reply.
using relay_stat_atom = caf::atom_constant<caf::atom("relstat")>;

/// stream_relay → itself, with `uint64_t` attempt: open the next session after a backoff.
using relay_retry_atom = caf::atom_constant<caf::atom("relretry")>;

// ---- health_prober ----

/// async HTTP thread → health_prober, with `std::string` engine id, `bool` ok: one health probe
/// answered (or failed). No reply.
using health_result_atom = caf::atom_constant<caf::atom("healthres")>;

// ---- stats_collector ----

/// async HTTP thread → stats_collector, with `std::string` stream id, `int` HTTP status (0 = no
/// answer), `std::string` body: one stat URL poll answered. No reply.
using stat_result_atom = caf::atom_constant<caf::atom("statres")>;

/// stream_manager (DELETE /streams/{id}), stats_collector → stats_collector, with `std::string`
/// stream id, `std::string` end reason: stop the stream's engine session
/// (`command_url?method=stop`), then end the stream. Reply: `stream_end_result` (no stream: unknown
/// id; not updated: had ended).
using stop_session_atom = caf::atom_constant<caf::atom("stopsess")>;

/// async HTTP thread → stats_collector, with `uint64_t` stop id: a stop command answered (or
/// failed). No reply.
using session_stopped_atom = caf::atom_constant<caf::atom("sessstop")>;

// ---- store ----

/// registry → store, with `engine_record`: remember an engine (first/last seen). No reply.
using store_engine_atom = caf::atom_constant<caf::atom("stengine")>;
/// registry → store, with `stream_record`: insert or update a stream. No reply.
using store_stream_atom = caf::atom_constant<caf::atom("ststream")>;
/// registry → store, with `std::string` stream id, `stats_snapshot`: append a snapshot. No reply.
using store_stats_atom = caf::atom_constant<caf::atom("ststats")>;
/// store → itself (timer): purge old ended streams. No reply.
using purge_atom = caf::atom_constant<caf::atom("purge")>;
/// tests, shutdown → store: write what is queued now. Reply: `caf::ok_atom`.
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// ---- port_allocator ----

/// provisioner → port_allocator, with `std::string` owner, `port_request`: reserve the ports of one
/// engine. Reply: `port_grant`.
using reserve_ports_atom = caf::atom_constant<caf::atom("reserveprt")>;

/// provisioner → port_allocator, with `std::string` owner, `std::vector<uint16_t>` host ports:
/// reserve the given host ports (generic containers). Reply: `port_grant` (ports unset).
using reserve_host_ports_atom = caf::atom_constant<caf::atom("reservehst")>;

/// provisioner → port_allocator, with `std::string` owner, `std::string` container id: bind
/// everything `owner` reserved to the container. Reply: `caf::ok_atom`.
using bind_ports_atom = caf::atom_constant<caf::atom("bindports")>;

/// any → port_allocator, with `std::string` owner (operation or container): free its ports.
/// Reply: `caf::ok_atom`.
using release_ports_atom = caf::atom_constant<caf::atom("releaseprt")>;

/// provisioner → port_allocator, with `uint16_t` host port, `std::string` owner: the OS said the
/// port is taken; quarantine it. Reply: `caf::ok_atom`.
using quarantine_port_atom = caf::atom_constant<caf::atom("quarantine")>;

/// docker_watcher → port_allocator, with `std::vector<docker::container_summary>` (all running
/// managed containers), `int64_t` when the list was requested (steady clock, ns): rebuild the
/// bound sets, keeping reservations in flight and anything that changed since. Reply:
/// `caf::ok_atom`.
using rebuild_ports_atom = caf::atom_constant<caf::atom("rebuildprt")>;

// ---- breakers (owned by the provisioner and the health_prober) ----

/// HTTP → provisioner (the `general` breaker) and HTTP → health_prober (the `replacement`
/// breaker): close the breaker and forget its failures. Reply: `caf::ok_atom`.
using breaker_reset_atom = caf::atom_constant<caf::atom("brreset")>;

// ---- provisioner ----

/// HTTP, relay, health_prober → provisioner, with `engine_request`: provision one engine; the
/// provisioner claims its capacity at the registry; the reply comes once it is ready (or
/// failed). Reply: `provision_result`.
using provision_engine_atom = caf::atom_constant<caf::atom("provengine")>;

/// pool_manager → provisioner, with `int` n: provision n engines of TARGET_IMAGE for the pool.
/// The reply comes once each was admitted (its capacity claimed) or refused, so the registry's
/// published snapshot already counts them. Reply: `pool_admission`.
using provision_pool_atom = caf::atom_constant<caf::atom("provpool")>;

/// provisioner → pool_manager, with `int` seconds: an engine admitted by provision_pool_atom
/// failed later; provisioning for the pool waits that long (at least 5 s).
using pool_provision_failed_atom = caf::atom_constant<caf::atom("poolfail")>;

/// HTTP → provisioner, with `generic_request`: start a generic container. Reply:
/// `provision_result`.
using provision_generic_atom = caf::atom_constant<caf::atom("provgener")>;

/// HTTP, pool_manager, docker_watcher, health_prober → provisioner, with `std::string` id (or
/// name/prefix), `std::string` reason: stop and remove a managed container, free its ports,
/// update the registry. A request for a container already being removed joins that removal and
/// gets its result. Reply: `std::string` the full container id; request_error not_found (not
/// a managed container) or failed (Docker refused or did not answer).
using remove_container_atom = caf::atom_constant<caf::atom("removecont")>;

/// docker_watcher → provisioner, with `std::vector<docker::container_summary>` (managed
/// containers that were not running when listed): remove those that are not an operation's own
/// and still do not run. No reply.
using reap_atom = caf::atom_constant<caf::atom("reap")>;

// ---- pool_manager ----

/// any → pool_manager: reconcile the pool now (debounced). No reply.
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;

/// HTTP → pool_manager, with `int` n: set the /scale target. Reply: `scale_result`.
using scale_atom = caf::atom_constant<caf::atom("scale")>;

/// HTTP → pool_manager: POST /gc. Reply: `gc_result`.
using gc_atom = caf::atom_constant<caf::atom("gc")>;

/// docker_watcher → pool_manager: the first Docker sync (adoption) is done; sizing may start.
using adopted_atom = caf::atom_constant<caf::atom("adopted")>;

// ---- docker_watcher ----

/// event stream thread → docker_watcher, with `docker::docker_event`. No reply.
using docker_event_atom = caf::atom_constant<caf::atom("dkevent")>;

/// event stream thread → docker_watcher, with `bool` connected, `std::string` detail. No reply.
using docker_stream_atom = caf::atom_constant<caf::atom("dkstream")>;

/// docker_watcher → itself (timer) or HTTP: reconcile with Docker now. No reply.
using sync_atom = caf::atom_constant<caf::atom("sync")>;

// ---- timers and internal steps (sent by an actor to itself) ----

/// provisioner → itself, with `uint64_t` operation id, `int` epoch: continue an operation
/// (after start spacing or backoff). No reply.
using op_step_atom = caf::atom_constant<caf::atom("opstep")>;

/// provisioner → itself, with `uint64_t` operation id: PROVISION_TIMEOUT_S passed. No reply.
using op_deadline_atom = caf::atom_constant<caf::atom("opdeadline")>;

/// async HTTP thread → provisioner, with `uint64_t` operation id, `int` epoch, `bool` ready: one
/// readiness probe answered. No reply.
using probe_result_atom = caf::atom_constant<caf::atom("probe")>;

/// actor → itself: periodic timer tick. No reply.
using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// vpn_watcher → itself, with `uint64_t` check number, `int` which answer (vpn_answer), `int`
/// HTTP status (0: none), `std::string` body: one answer of the Gluetun control server.
using vpn_answer_atom = caf::atom_constant<caf::atom("vpnanswer")>;

/// vpn_watcher → pool_manager, with `bool` whether it had been connected before: the VPN is
/// connected (provision again; after an outage recycle engines when
/// VPN_RESTART_ENGINES_ON_RECONNECT). No reply.
using vpn_reconnected_atom = caf::atom_constant<caf::atom("vpnrecon")>;

/// vpn_watcher → pool_manager, with `int` the new forwarded port (0: none): the forwarded engine
/// must change. No reply.
using vpn_forwarded_atom = caf::atom_constant<caf::atom("vpnfwd")>;

/// vpn_watcher → pool_manager: the Gluetun container restarted; every engine in its namespace is
/// stranded and is recreated. No reply.
using vpn_restarted_atom = caf::atom_constant<caf::atom("vpnrestart")>;

/// The answer to stream_ended_atom and end_stream_atom.
struct stream_end_result {
  bool updated = false;                 ///< this call ended it
  std::optional<stream_record> stream;  ///< the stream (also when it had ended before)
};

/// The answer to stream_batch_atom, one entry per event in order.
struct stream_batch_result {
  std::vector<stream_record> started;
  std::vector<stream_end_result> ended;
};

/// What one engine needs from the allocator.
struct port_request {
  bool publish_http = true;                 ///< a host port for HTTP (host access)
  bool publish_https = false;               ///< a host port for HTTPS (ACE_MAP_HTTPS)
  std::optional<uint16_t> host_http;        ///< the caller asked for this host port
  std::optional<uint16_t> container_http;   ///< from the caller's CONF
  std::optional<uint16_t> container_https;  ///< from the caller's CONF
  bool vpn = false;                         ///< ports come from GLUETUN_PORT_RANGE
};

/// The allocator's answer.
struct port_grant {
  bool ok = false;
  docker::engine_ports ports;
  provision_code code = provision_code::max_capacity;  ///< when !ok
  std::string message;
};

/// The answer to provision_pool_atom.
struct pool_admission {
  int admitted = 0;  ///< engines whose operations hold a capacity claim now
  /// Set when a refusal blocks provisioning (breaker open, VPN down): wait that long.
  std::optional<int> blocked_eta_s;
};

/// The answer to scale_atom.
struct scale_result {
  int scaled_to = 0;
  int requested = 0;
  int started = 0;
  int stopping = 0;
};

/// The answer to gc_atom.
struct gc_result {
  std::vector<std::string> removed_engines;
  std::vector<std::string> removed_containers;
  int purged_streams = 0;
};

}  // namespace acepool::actors

// Local-only payloads (acepool never serialises messages): no inspect() needed.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::filters)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::container_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::result<acepool::docker::done>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::result<std::string>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(
    acepool::docker::result<std::vector<acepool::docker::container_summary>>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::result<acepool::docker::container_details>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::result<acepool::docker::image_info>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::docker_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<acepool::docker::container_summary>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::docker::result<std::vector<acepool::docker::swarm_node>>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::engine_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::sizing_view)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::engine_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::generic_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::provision_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::port_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::port_grant)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::scale_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::pool_admission)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::gc_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::health_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::engine_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stream_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stream_source)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stats_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stream_started_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stream_ended_event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stream_end_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<acepool::actors::stats_snapshot>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::stream_batch_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<acepool::actors::stream_started_event>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<acepool::actors::stream_ended_event>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::relay_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::relay_handover_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<acepool::actors::relay_handover_ptr>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::engine_choice)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::relay_session)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(acepool::actors::engine_wishes)
