#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/pool/engine_registry_handle.hpp"
#include "actors/provisioning/provisioner_handle.hpp"
#include "actors/relay/hls_sequence_floor.hpp"
#include "actors/relay/relay_handover.hpp"
#include "actors/relay/stream_hub.hpp"
#include "actors/relay/stream_manager_handle.hpp"

namespace acepool::config {
struct settings;
}
namespace acepool::metrics {
class registry;
}
namespace acepool::support {
class async_http_client;
}

namespace acepool::actors {

class actor_directory;
struct published_state;

/// What every stream relay works with.
struct relay_deps {
  const config::settings* settings = nullptr;
  published_state* published = nullptr;
  std::shared_ptr<support::async_http_client> http;
  engine_registry_handle registry;
  provisioner_handle provisioner;
  caf::actor stats_collector;  ///< stops the streams no relay runs (stream_manager only)
  std::shared_ptr<relay::relay_counters> counters;
  metrics::registry* metrics = nullptr;  ///< may be null
  /// Where each key's next HLS track starts numbering; one for all relays.
  std::shared_ptr<relay::hls_sequence_floor> hls_sequences =
      std::make_shared<relay::hls_sequence_floor>();
};

/// Spawns the `stream_relay` of one stream key (registered as `stream_relay/<key>`): it picks or
/// provisions an engine, opens one engine session, fans its bytes out to every client through a
/// stream_hub, fails over to a new session when the upstream breaks, and ends after the last
/// client left (STREAM_LINGER_S). Clients arrive as open_stream_atom; `manager` hears
/// relay_ended_atom when it ends. With `adopted`, the relay continues a stream another acepool
/// process handed over (its session, hub bytes and clients) instead of starting one.
caf::actor spawn_stream_relay(caf::actor_system& sys, actor_directory& directory,
                              const relay_deps& deps, stream_manager_handle manager,
                              std::string key, std::string key_type, std::string params,
                              relay_handover_ptr adopted = nullptr);

}  // namespace acepool::actors
