#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "docker/docker_types.hpp"

// Docker Swarm's services, tasks and nodes (ORCHESTRATOR=swarm) as acepool uses them: plain
// conversions, unit tested without a daemon. An engine in swarm mode is a service of one
// replica; the rest of acepool sees it as a container whose id is the service's id.
namespace acepool::docker {

/// Labels acepool adds to an engine seen through its service: where its task runs.
inline constexpr const char* label_swarm_node = "acepool.swarm.node";
inline constexpr const char* label_swarm_node_addr = "acepool.swarm.node_addr";

/// Where engines may run and how they stop, from the settings. (Swarm applies spread
/// preferences and MaxReplicas to the tasks of one service: with one service per engine they
/// would do nothing. Among the nodes the constraints allow, Swarm's scheduler places each new
/// task on the node running the fewest; acepool's per-node cap is swarm_node_cap.)
struct swarm_placement {
  std::vector<std::string> constraints;  ///< e.g. `node.labels.acepool==engines`
  int max_engines_per_node = 0;          ///< MAX_REPLICAS_PER_NODE; 0: no cap
  /// ENGINE_STOP_TIMEOUT_S: how long Swarm waits after SIGTERM before it kills a task.
  std::chrono::milliseconds stop_grace{5000};
  /// DOCKER_HOST is a unix socket: its daemon's node is the one acepool runs on.
  bool daemon_is_local = true;
};

/// The body of POST /services/create: `spec` as a service of one replica, restarted by Swarm
/// (on another node when its node is lost), its ports published in `host` mode on the node it
/// runs on (the port range stays acepool's: no routing mesh), its memory and CPU limits also
/// reserved on the node.
/// `extra_constraints` are added to the settings' (the per-node cap's exclusions).
nlohmann::json service_create_body(const container_spec& spec, const swarm_placement& placement,
                                   const std::vector<std::string>& extra_constraints = {});

/// One row of GET /services.
struct swarm_service {
  std::string id;
  std::string name;
  std::string image;
  std::string created;  ///< RFC 3339
  std::map<std::string, std::string> labels;
  port_map ports;  ///< published in its endpoint spec (host ip empty): kept while it has no task
  /// RestartPolicy.Condition: `any` (Swarm's default), `on-failure` or `none`.
  std::string restart_condition = "any";
  int64_t replicas = 1;  ///< Mode.Replicated.Replicas (0: scaled down, no task comes)
};

/// One row of GET /tasks.
struct swarm_task {
  std::string id;
  std::string service_id;
  std::string node_id;
  std::string state;          ///< new ... running, complete, failed, shutdown, rejected, orphaned
  std::string desired_state;  ///< running, shutdown, ...
  std::string message;        ///< Status.Err, else Status.Message
  std::string container_id;
  int exit_code = 0;
  std::string updated;  ///< RFC 3339
  port_map ports;       ///< `"6878/tcp"` → the published port (host mode; host ip empty)
};

/// Parse GET /services, /tasks and /nodes; malformed rows are skipped.
std::vector<swarm_service> parse_services(const nlohmann::json& body);
std::vector<swarm_task> parse_tasks(const nlohmann::json& body);
std::vector<swarm_node> parse_nodes(const nlohmann::json& body);

/// The task that stands for a one-replica service now: the newest one Swarm wants running
/// (running, or on its way), else the newest of all; null without tasks.
const swarm_task* current_task(const std::vector<swarm_task>& tasks);

/// Whether a task has ended (complete, failed, shutdown, rejected, orphaned, remove).
bool task_ended(const swarm_task& t);

/// A service as the container the rest of acepool knows: id and name the service's, state
/// `running` when its current task runs, `restarting` while Swarm wants one running that does
/// not run yet (new, moving) or will start another after its restart delay (its policy restarts
/// the way the task ended), `exited` when it ended for good; ports published on its
/// task's node (the service's own while its task has none: they stay acepool's); labels plus
/// the node's id and address.
container_summary service_as_container(const swarm_service& service, const swarm_task* task,
                                       const swarm_node* node);

}  // namespace acepool::docker
