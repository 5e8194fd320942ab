#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/relay/client_sink.hpp"
#include "actors/relay/relay_types.hpp"
#include "actors/relay/stream_hub.hpp"

namespace acepool::actors {

/// One relay as it moves to another acepool process (acepool --takeover,
/// docs/architecture.md "Takeover"): the stream, its engine session, where the upstream body's
/// framing stands, the hub's bytes and every client's socket. Descriptors are duplicates owned
/// by whoever holds this: the last holder's destructor closes those still held (a handover
/// dropped anywhere leaks nothing); who takes one over sets it to -1.
struct relay_handover {
  relay_handover() = default;
  relay_handover(const relay_handover&) = delete;
  relay_handover& operator=(const relay_handover&) = delete;
  ~relay_handover();

  std::string key, key_type, params;
  std::string stream_id;
  std::string playback_url;
  relay_session session;
  int64_t started_at_ms = 0;  ///< the stream's start (wall clock)
  uint64_t failovers = 0;
  int upstream_fd = -1;          ///< the engine's playback connection
  nlohmann::json upstream_body;  ///< relay::upstream_body::to_json()
  std::string aligner_held;      ///< relay::ts_aligner::held()
  bool aligner_waiting_for_pat = false;
  relay::hub_handover hub;
  /// In the new process: the clients' sinks made from hub.clients' sockets, in that order.
  std::vector<std::shared_ptr<relay::client_sink>> adopted_clients;
};

using relay_handover_ptr = std::shared_ptr<relay_handover>;

/// Closes every descriptor `h` holds (a handover that will not happen) and forgets them.
void close_handover(relay_handover& h);

}  // namespace acepool::actors
