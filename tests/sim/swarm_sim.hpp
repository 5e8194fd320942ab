#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio.hpp>
#include <nlohmann/json.hpp>

#include "tests/sim/sim_http.hpp"

namespace acepool::sim {

/// A Docker Swarm manager of N nodes as acepool's ORCHESTRATOR=swarm uses it, for component
/// tests of what one host cannot show: placement over several nodes and node loss. It answers
/// the Engine API's services, tasks, nodes, info, images and events; each running task is an
/// `acepool-sim engine` child process on the task's published port (every node's address is
/// 127.0.0.1), so acepool streams from it for real. Control: GET /sim/swarm,
/// POST /sim/swarm/nodes/{id or hostname}?state=down|ready&availability=active|drain|pause,
/// POST /sim/swarm/services/{id}/kill (its task's engine dies, as `docker kill`). As a worker
/// (`manager` false) it refuses the swarm calls as a worker node's daemon does.
class swarm_sim {
 public:
  swarm_sim(asio::io_context& io, int nodes, std::string engine_binary, bool manager = true);
  ~swarm_sim();
  swarm_sim(const swarm_sim&) = delete;
  swarm_sim& operator=(const swarm_sim&) = delete;

  void handle(const std::shared_ptr<connection>& c, request& r);

 private:
  struct node {
    std::string id, hostname, role, state = "ready", availability = "active";
  };
  struct task {
    std::string id, service_id, node_id, state, desired_state = "running", err;
    int pid = 0;
    int exit_code = 0;
    std::string created, updated;
  };
  struct service {
    std::string id, created, updated;
    uint64_t version = 1;
    nlohmann::json spec;
    std::vector<task> tasks;
    /// A restart waits for the policy's delay (steady time); none when none is due.
    std::optional<std::chrono::steady_clock::time_point> restart_at;
  };
  struct subscriber {
    std::shared_ptr<connection> c;
    std::map<std::string, std::vector<std::string>> filters;
    std::deque<std::string> queue;
    bool writing = false;
  };

  void route(const std::shared_ptr<connection>& c, request& r, const std::string& path);
  response create_service(const std::string& body);
  response update_service(service& s, const request& r);
  response remove_service(const std::string& ref);
  response set_node(const std::string& ref, const request& r);
  response kill_task(const std::string& ref);
  void subscribe(const std::shared_ptr<connection>& c, const request& r);

  /// Places and starts a new task of `s` (or leaves it pending with Swarm's reason).
  void start_task(service& s);
  /// Ends `t` (its engine killed) with these states.
  void end_task(task& t, const std::string& state, const std::string& desired);
  /// The node with the fewest running tasks among those the service's constraints allow.
  const node* choose_node(const service& s, std::string& why_none) const;
  bool satisfies(const node& n, const std::string& constraint) const;
  /// Reaps engine processes that died and restarts or retries what Swarm would.
  void reconcile();
  void emit(const std::string& type, const std::string& action, const std::string& id,
            nlohmann::json attributes);
  void flush(const std::shared_ptr<subscriber>& s);

  service* find_service(const std::string& ref);
  node* find_node(const std::string& ref);
  task* current(service& s);
  nlohmann::json service_json(const service& s) const;
  nlohmann::json task_json(const task& t, const service& s) const;
  nlohmann::json node_json(const node& n) const;
  std::string next_id(const char* prefix);

  asio::io_context& io_;
  std::string engine_binary_;
  bool manager_;
  asio::steady_timer ticker_;
  std::vector<node> nodes_;
  std::map<std::string, service> services_;  // by id
  std::vector<std::shared_ptr<subscriber>> subscribers_;
  uint64_t next_id_ = 1;
};

}  // namespace acepool::sim
