#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/introspection.hpp"

namespace acepool::actors {

/// The engine_registry's protocol (actors/messages.hpp says who sends each): every sender holds
/// this handle, so a message the registry does not take, or a reply read as another type, is a
/// compile error rather than an "unexpected message" at run time.
using engine_registry_handle = introspectable_handle::extend<
    // Capacity claims of provisioning operations.
    caf::replies_to<claim_atom, std::string>::with<bool>,
    caf::replies_to<claim_replacement_atom, std::string, std::string>::with<bool>,
    caf::replies_to<unclaim_atom, std::string>::with<caf::ok_atom>,
    caf::replies_to<claim_container_atom, std::string, std::string>::with<caf::ok_atom>,
    caf::replies_to<barrier_atom>::with<caf::ok_atom>,
    caf::replies_to<handed_over_atom, std::vector<std::string>>::with<caf::ok_atom>,
    caf::replies_to<engine_names_atom>::with<std::vector<std::string>>,
    // Engines coming, going and changing state.
    caf::replies_to<engine_up_atom, engine_record, std::string>::with<caf::ok_atom>,
    caf::replies_to<engine_gone_atom, std::string>::with<std::string>,
    caf::replies_to<engine_stopping_atom, std::string>::with<std::string>,
    caf::reacts_to<set_engine_state_atom, std::string, engine_state>,
    caf::reacts_to<set_health_atom, std::string, health_status, int64_t>,
    caf::replies_to<sync_engines_atom, std::vector<docker::container_summary>,
                    int64_t>::with<std::vector<std::string>>,
    caf::replies_to<subscribe_atom, caf::actor>::with<sizing_view>,
    // Stream records.
    caf::replies_to<stream_started_atom, stream_started_event, stream_source>::with<stream_record>,
    caf::replies_to<stream_ended_atom, stream_ended_event>::with<stream_end_result>,
    caf::replies_to<stream_batch_atom, std::vector<stream_started_event>,
                    std::vector<stream_ended_event>>::with<stream_batch_result>,
    caf::replies_to<end_stream_atom, std::string, std::string>::with<stream_end_result>,
    caf::replies_to<stream_history_atom, std::string, int64_t>::with<std::vector<stats_snapshot>>,
    caf::replies_to<purge_streams_atom>::with<int>,
    // The relay's engines and sessions.
    caf::replies_to<select_engine_atom, std::string, engine_wishes,
                    std::string>::with<engine_choice>,
    caf::reacts_to<release_engine_atom, std::string>,
    caf::reacts_to<stream_session_atom, std::string, relay_session>,
    caf::reacts_to<stream_clients_atom, std::string, int>,
    caf::reacts_to<stream_stats_atom, std::string, stats_snapshot>,
    // Its own timers.
    caf::reacts_to<flush_atom>, caf::reacts_to<tick_atom>>;

}  // namespace acepool::actors
