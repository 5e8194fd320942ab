#pragma once

// The whole actor protocol of acepool: every atom (with who sends it and what comes back) and
// every message type. Actor files declare no atoms of their own. Touching this file rebuilds
// every actor, so it stays small and stable.

#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include "docker/docker_result.hpp"
#include "docker/docker_types.hpp"

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
