#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "docker/curl_docker_client.hpp"
#include "docker/docker_client.hpp"
#include "docker/swarm_json.hpp"

namespace acepool::docker {

/// docker_client for ORCHESTRATOR=swarm, talking to a manager: each engine is a Swarm service
/// of one replica (swarm_json.hpp) that the rest of acepool sees as a container whose id is the
/// service's; Swarm places it, and restarts it elsewhere when its node is lost. Ping, version
/// and images go to the daemon as they are. Calls block, like every docker_client.
class swarm_docker_client final : public docker_client {
 public:
  swarm_docker_client(std::unique_ptr<curl_docker_client> daemon, swarm_placement placement);

  /// The daemon's ping, and an error naming the problem when it is not a swarm manager.
  result<done> ping() override;
  result<version_info> version() override;
  /// Services with the filters' labels (only `label` filters apply), as containers; without
  /// `all`, those whose task runs.
  result<std::vector<container_summary>> list_containers(const filters& f, bool all) override;
  /// POST /services/create; the id is the service's. With MAX_REPLICAS_PER_NODE an engine's
  /// service excludes the nodes at the cap, and `no_node` when every node is (creations are
  /// then one at a time in this process, each until its task has a node, so two never count
  /// the same free place).
  result<std::string> create_container(const container_spec& spec) override;
  /// Swarm starts a service's task itself: nothing to do.
  result<done> start_container(const std::string& id) override;
  result<container_details> inspect_container(const std::string& id) override;
  /// A service is stopped by removing it (remove_container): nothing to do.
  result<done> stop_container(const std::string& id, int timeout_s) override;
  /// DELETE /services/{id}; its task's container goes with it.
  result<done> remove_container(const std::string& id, bool force) override;
  /// A forced update of the service: Swarm replaces its task.
  result<done> restart_container(const std::string& id, int timeout_s) override;
  result<image_info> inspect_image(const std::string& ref) override;
  result<done> pull_image(const std::string& ref) override;

  /// GET /nodes, the daemon's own node marked `local` when DOCKER_HOST is a unix socket.
  result<std::vector<swarm_node>> list_nodes() override;

 private:
  result<std::vector<swarm_node>> nodes();
  /// A service and the task that stands for it now (none before Swarm made one).
  struct service_now {
    swarm_service service;
    std::optional<swarm_task> task;
  };
  /// The services carrying all these labels (`key=value`; none: every service), each with its
  /// current task.
  result<std::vector<service_now>> services_now(const std::vector<std::string>& labels);
  /// Swarm.NodeID of GET /info: the node of the daemon this client talks to.
  result<std::string> own_node_id();
  /// The engines each node runs or is starting (tasks Swarm wants running, by node id).
  result<std::map<std::string, int>> engines_per_node();
  /// POST /services/create with these extra constraints.
  result<std::string> create_service(const container_spec& spec,
                                     const std::vector<std::string>& extra_constraints);
  /// Waits (a few seconds at most) until the service's task has a node.
  void await_placement(const std::string& service_id);
  /// `/services/{id}`, or not_found for an id that cannot name one.
  result<std::string> service_path(const std::string& id);
  result<nlohmann::json> get_json(const std::string& path);
  result<std::vector<swarm_task>> tasks_of(const std::vector<std::string>& service_ids);

  std::unique_ptr<curl_docker_client> daemon_;
  swarm_placement placement_;
  std::optional<std::string> own_node_id_;
};

}  // namespace acepool::docker
