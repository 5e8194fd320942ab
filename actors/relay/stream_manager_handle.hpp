#pragma once

#include <string>

#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "actors/relay/relay_types.hpp"
#include "actors/runtime/introspection.hpp"

namespace acepool::actors {

/// The stream_manager's protocol (actors/messages.hpp says who sends each): every sender holds
/// this handle, so a message the manager does not take, or a reply read as another type, is a
/// compile error rather than an "unexpected message" at run time.
using stream_manager_handle = introspectable_handle::extend<
    caf::reacts_to<open_stream_atom, relay_request>, caf::reacts_to<relay_ended_atom, std::string>,
    caf::replies_to<relay_status_atom, std::string>::with<std::string>,
    caf::replies_to<stop_stream_atom, std::string, std::string>::with<stream_record>,
    caf::replies_to<takeover_export_atom>::with<std::vector<relay_handover_ptr>>,
    caf::replies_to<takeover_resume_atom>::with<caf::ok_atom>,
    caf::replies_to<takeover_release_atom>::with<caf::ok_atom>,
    caf::replies_to<takeover_adopt_atom, relay_handover_ptr>::with<caf::ok_atom>>;

}  // namespace acepool::actors
