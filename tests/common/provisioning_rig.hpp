#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>

#include <caf/actor.hpp>
#include <caf/after.hpp>

#include "actors/messages.hpp"
#include "actors/pool/engine_registry_handle.hpp"
#include "actors/provisioning/docker_worker.hpp"
#include "actors/provisioning/provisioner_handle.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "config/settings_loader.hpp"
#include "tests/common/deterministic_actors.hpp"
#include "tests/common/fake_docker.hpp"

namespace acepool::support {
class async_http_client;
}

namespace acepool::testing {

/// An engine HTTP client that refuses every request (no callback ever comes from its thread),
/// so probes in a deterministic test only fail, at the time the test gives them.
std::shared_ptr<support::async_http_client> stopped_http_client();

/// The image the rig's in-memory Docker holds (TARGET_IMAGE).
inline constexpr const char* rig_image = "acepool/sim:latest";

/// The provisioning path on CAF's deterministic scheduler with an in-memory Docker: registry,
/// port allocator, provisioner and Docker workers, with quick retries (MAX_RETRIES=2,
/// RETRY_BACKOFF_S=1, no start spacing) and ports 19400-19459. Engines never become ready (their
/// readiness probes are refused, see stopped_http_client), so an engine operation stays in
/// flight until PROVISION_TIMEOUT_S.
struct provisioning_rig {
  deterministic_actors da;
  std::shared_ptr<fake_docker> docker = std::make_shared<fake_docker>();
  std::shared_ptr<actors::actor_directory> directory = std::make_shared<actors::actor_directory>();
  config::settings settings;
  actors::published_state published;
  actors::docker_workers workers;
  actors::engine_registry_handle registry;
  actors::provisioner_handle provisioner;
  caf::actor allocator;

  /// `env` adds to (or overrides) the rig's settings.
  explicit provisioning_rig(config::env_map env = {});
  ~provisioning_rig();

  /// Sends a request to the provisioner; the answer, once simulated time has moved on by
  /// `waited` (in one-second steps, so retries due meanwhile run).
  template <class Request>
  std::optional<actors::provision_result> provision(
      Request req, std::chrono::seconds waited = std::chrono::seconds(0)) {
    if constexpr (std::is_same_v<Request, actors::generic_request>)
      da.self->send(provisioner, actors::provision_generic_atom::value, std::move(req));
    else
      da.self->send(provisioner, actors::provision_engine_atom::value, std::move(req));
    da.run();
    for (auto t = std::chrono::seconds(0); t < waited; t += std::chrono::seconds(1))
      da.advance(std::chrono::seconds(1));
    std::optional<actors::provision_result> out;
    da.self->receive([&](actors::provision_result& r) { out = std::move(r); },
                     caf::after(std::chrono::seconds(0)) >> [] {});
    return out;
  }

  /// Failures the general breaker counts now.
  int breaker_failures() const { return published.general_breaker.load()->failure_count(); }
  /// Capacity claims the registry published.
  int claims() const { return published.engines.load()->claims; }
};

}  // namespace acepool::testing
