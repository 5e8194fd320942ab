#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "docker/docker_client.hpp"

namespace acepool::testing {

/// An in-memory Docker daemon for unit and component tests (never for docker/e2e tests).
/// Thread-safe: every client it makes shares this state. Failures are injected per operation.
class fake_docker : public std::enable_shared_from_this<fake_docker> {
 public:
  /// A client bound to this daemon (one per worker).
  std::unique_ptr<docker::docker_client> make_client();

  /// Makes every call fail with `daemon_unreachable` until set back.
  void set_reachable(bool reachable);
  /// The next `times` calls of `op` (ping, list, create, start, inspect, stop, remove, restart,
  /// inspect_image, pull) fail with `error`.
  void fail(const std::string& op, docker::docker_error error, int times = 1);
  /// Calls of `op` block (as a slow daemon would) until release(op).
  void hold(const std::string& op);
  /// Lets held and later calls of `op` through.
  void release(const std::string& op);
  /// How many calls of `op` are blocked by hold() right now.
  int waiting(const std::string& op) const;
  /// Images that exist locally (others are missing; pull adds an image unless failed).
  void add_image(const std::string& ref);

  /// Current containers (by id).
  std::map<std::string, docker::container_details> containers() const;
  /// How many times `op` was called.
  int calls(const std::string& op) const;
  /// Simulates a container dying (as `docker kill`).
  void kill(const std::string& id, int exit_code = 137);

  // The operations, used by the clients.
  docker::result<docker::done> ping();
  docker::result<std::vector<docker::container_summary>> list(const docker::filters& f, bool all);
  docker::result<std::string> create(const docker::container_spec& spec);
  docker::result<docker::done> start(const std::string& id);
  docker::result<docker::container_details> inspect(const std::string& id);
  docker::result<docker::done> stop(const std::string& id);
  docker::result<docker::done> remove(const std::string& id, bool force);
  docker::result<docker::done> restart(const std::string& id);
  docker::result<docker::image_info> inspect_image(const std::string& ref);
  docker::result<docker::done> pull(const std::string& ref);

 private:
  std::unique_lock<std::mutex> enter(const std::string& op);
  std::optional<docker::docker_error> injected(const std::string& op);
  std::map<std::string, docker::container_details>::iterator find(const std::string& id_or_name);

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> held_;
  std::map<std::string, int> waiting_;
  bool reachable_ = true;
  std::map<std::string, std::vector<docker::docker_error>> failures_;
  std::map<std::string, int> calls_;
  std::set<std::string> images_;
  std::map<std::string, docker::container_details> containers_;
  int next_id_ = 1;
};

}  // namespace acepool::testing
