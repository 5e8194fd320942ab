#pragma once

// The whole actor protocol of acepool: every atom (with who sends it and what comes back) and
// every message type. Actor files declare no atoms of their own. Touching this file rebuilds
// every actor, so it stays small and stable.

#include <caf/atom.hpp>

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

}  // namespace acepool::actors
