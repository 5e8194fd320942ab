#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool/engine_state.hpp"
#include "docker/docker_types.hpp"

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

/// One engine as the registry knows it (api.md "Engine" plus internal fields).
struct engine_record {
  std::string container_id;
  std::string container_name;
  std::string image;
  std::string host;   ///< where acepool reaches it
  uint16_t port = 0;  ///< HTTP port acepool reaches it on
  uint16_t container_http_port = 0;
  uint16_t container_https_port = 0;
  std::optional<uint16_t> host_https_port;
  std::map<std::string, std::string> labels;
  engine_state state = engine_state::running;
  health_status health = health_status::unknown;
  /// Ids of the active streams on it, as published: filled from the stream records (the one
  /// copy of which stream runs where) each time the registry publishes; empty in its table.
  std::vector<std::string> streams;
  std::chrono::system_clock::time_point first_seen{};
  std::chrono::system_clock::time_point last_seen{};
  std::optional<std::chrono::system_clock::time_point> last_health_check;
  std::optional<std::chrono::system_clock::time_point> last_stream_usage;
  bool forwarded = false;
  /// Swarm mode: its task ended and Swarm is starting another; not offered to streams.
  bool restarting = false;
  std::optional<int> forwarded_port;
  std::optional<std::string> vpn_container;
  std::chrono::steady_clock::time_point idle_since{};  ///< when it last became idle
  /// When acepool started it, for the startup grace; none for adopted and static engines,
  /// which are past any grace.
  std::optional<std::chrono::steady_clock::time_point> created;
  /// When the registry last learnt something about it: a Docker list taken earlier is older
  /// news and must not undo it.
  std::chrono::steady_clock::time_point changed{};

  /// Whether acepool manages it (a container), as opposed to a STATIC_ENGINES entry.
  bool managed() const { return state != engine_state::static_engine; }
};

/// The engine a running managed container is, from its labels and published ports (adoption);
/// nothing when it carries no usable HTTP port.
std::optional<engine_record> engine_from_container(const docker::container_summary& c,
                                                   const config::settings& s);

/// Whether `key` names this engine: the full id, a unique prefix of ≥ 12 characters (the caller
/// checks uniqueness) or the container name.
bool engine_matches(const engine_record& e, const std::string& key);

}  // namespace acepool::actors
