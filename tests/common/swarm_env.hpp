#pragma once

#include <string>

#include "tests/common/docker_env.hpp"

namespace acepool::testing {

/// A single-node Docker Swarm for a test: the daemon's own swarm when it is in one (used, never
/// left), else one this scope creates on 127.0.0.1 and leaves when it ends. Ends the test with
/// ctest's skip code 77 when the daemon refuses to create one. Removes the run's services
/// (services are not containers: docker_run_scope alone would see Swarm start them again).
class swarm_scope {
 public:
  explicit swarm_scope(docker_run_scope& run);
  ~swarm_scope();
  swarm_scope(const swarm_scope&) = delete;
  swarm_scope& operator=(const swarm_scope&) = delete;

  /// Whether a service with this id exists.
  bool service_exists(const std::string& id);
  /// The services carrying the run's label (-1 when the daemon does not answer).
  int service_count();
  /// Removes every service carrying the run's label.
  void remove_services();
  /// Kills the container of the service's running task (as the engine crashing, or
  /// `docker kill`); false when it has none.
  bool kill_task_container(const std::string& service_id);
  /// Whether this scope created the swarm (and so leaves it).
  bool created() const { return created_; }
  /// Sets this node's availability (`active`, `drain`, `pause`); only in a swarm this scope
  /// created (a test never changes the nodes of someone else's swarm).
  bool set_availability(const std::string& availability);

 private:
  docker_run_scope& run_;
  bool created_ = false;
};

}  // namespace acepool::testing
