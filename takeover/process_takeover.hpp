#pragma once

#include <functional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/relay/stream_manager_handle.hpp"
#include "http/server.hpp"
#include "takeover/takeover_server.hpp"

namespace acepool::takeover {

/// The old process's hooks: the HTTP server's listeners and the stream_manager's relays.
/// `handed_over` runs once the new process owns them (main then stops this process).
takeover_hooks process_hooks(http::http_server& server, caf::actor_system& system,
                             const actors::stream_manager_handle& streams,
                             std::function<void()> handed_over);

/// The new process's side, after it received `offer` and before it commits: a sink per client
/// on its socket (the descriptors now belong to the HTTP server).
void adopt_clients(http::http_server& server, handover_offer& offer);

/// After the commit: every relay runs in this process, continuing where the old one stood.
void adopt_relays(caf::actor_system& system, const actors::stream_manager_handle& streams,
                  handover_offer& offer);

/// SIGUSR2: starts `executable` with this process's arguments and --takeover, in its own
/// session (it outlives this process); its pid, or -1 with the reason in `error`.
int start_successor(const std::string& executable, const std::vector<std::string>& args,
                    std::string& error);

}  // namespace acepool::takeover
