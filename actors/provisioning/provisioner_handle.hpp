#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/introspection.hpp"

namespace acepool::actors {

/// The provisioner's protocol (actors/messages.hpp says who sends each): every sender holds this
/// handle, so a message the provisioner does not take, or a reply read as another type, is a
/// compile error rather than an "unexpected message" at run time.
using provisioner_handle = introspectable_handle::extend<
    caf::replies_to<provision_engine_atom, engine_request>::with<provision_result>,
    caf::replies_to<provision_pool_atom, int>::with<pool_admission>,
    caf::replies_to<provision_generic_atom, generic_request>::with<provision_result>,
    caf::replies_to<remove_container_atom, std::string, std::string>::with<std::string>,
    caf::reacts_to<reap_atom, std::vector<docker::container_summary>>,
    caf::replies_to<breaker_reset_atom>::with<caf::ok_atom>,
    // Its own steps and the readiness probes' answers.
    caf::reacts_to<op_step_atom, uint64_t, int>, caf::reacts_to<op_deadline_atom, uint64_t>,
    caf::reacts_to<probe_result_atom, uint64_t, int, bool>>;

}  // namespace acepool::actors
