#pragma once

#include <caf/typed_actor.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/introspection.hpp"

namespace acepool::actors {

/// The pool manager's protocol (actors/messages.hpp says who sends each): every sender holds
/// this handle, so a message the pool manager does not take, or a reply read as another type, is
/// a compile error rather than an "unexpected message" at run time. (The registry and the
/// provisioner answer it through the plain caf::actor it subscribed or asked with; those two
/// messages are listed here all the same.)
using pool_manager_handle = introspectable_handle::extend<
    caf::reacts_to<adopted_atom>, caf::reacts_to<reconcile_atom>,
    caf::reacts_to<registry_changed_atom, sizing_view>,
    caf::reacts_to<pool_provision_failed_atom, int>,
    caf::replies_to<scale_atom, int>::with<scale_result>, caf::replies_to<gc_atom>::with<gc_result>,
    caf::reacts_to<vpn_reconnected_atom, bool>, caf::reacts_to<vpn_forwarded_atom, int>,
    caf::reacts_to<vpn_restarted_atom>, caf::reacts_to<tick_atom>>;

}  // namespace acepool::actors
