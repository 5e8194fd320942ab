#pragma once

#include <string>
#include <vector>

#include "docker/docker_result.hpp"
#include "docker/docker_types.hpp"

namespace acepool::docker {

/// The Docker Engine API as acepool uses it. Calls block: use an implementation only from a
/// detached worker, never from a scheduled actor or an io thread. One instance per thread.
class docker_client {
 public:
  virtual ~docker_client() = default;

  /// GET /_ping.
  virtual result<done> ping() = 0;
  /// GET /version.
  virtual result<version_info> version() = 0;
  /// GET /containers/json with filters (`all` includes stopped containers).
  virtual result<std::vector<container_summary>> list_containers(const filters& f, bool all) = 0;
  /// POST /containers/create; returns the new id. A missing image is `image_missing`, a name in
  /// use `conflict`.
  virtual result<std::string> create_container(const container_spec& spec) = 0;
  /// POST /containers/{id}/start. A taken host port is `port_in_use`.
  virtual result<done> start_container(const std::string& id) = 0;
  /// GET /containers/{id}/json.
  virtual result<container_details> inspect_container(const std::string& id) = 0;
  /// POST /containers/{id}/stop?t=; a container already stopped is success.
  virtual result<done> stop_container(const std::string& id, int timeout_s) = 0;
  /// DELETE /containers/{id}?force=&v=true; an id already gone is `not_found`.
  virtual result<done> remove_container(const std::string& id, bool force) = 0;
  /// POST /containers/{id}/restart?t=.
  virtual result<done> restart_container(const std::string& id, int timeout_s) = 0;
  /// GET /images/{ref}/json.
  virtual result<image_info> inspect_image(const std::string& ref) = 0;
  /// POST /images/create; a failed pull (in the status or the progress stream) is `image_missing`.
  virtual result<done> pull_image(const std::string& ref) = 0;
  /// GET /nodes: the swarm's nodes (ORCHESTRATOR=swarm); none for a daemon outside a swarm.
  virtual result<std::vector<swarm_node>> list_nodes() { return std::vector<swarm_node>{}; }
};

}  // namespace acepool::docker
