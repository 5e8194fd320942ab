#pragma once

#include <memory>
#include <string>
#include <utility>

#include "docker/curl_docker_client.hpp"

namespace acepool::testing {

/// The image the docker tests and the demo run (built by tests/sim/build-image.sh).
inline const std::string sim_image = "acepool/sim:latest";

/// Ends the test process with ctest's skip code 77 when no Docker daemon answers on the default
/// socket — or fails it when CI=true (testing.md) — and fails when the simulator image is
/// missing.
void require_docker();

/// A per-run label for the containers a test creates, removed (with force) when it ends, so runs
/// never touch each other's containers.
class docker_run_scope {
 public:
  docker_run_scope();
  ~docker_run_scope();
  docker_run_scope(const docker_run_scope&) = delete;
  docker_run_scope& operator=(const docker_run_scope&) = delete;

  /// `acepool.test.run=<run id>`.
  std::pair<std::string, std::string> label() const { return {"acepool.test.run", run_id_}; }
  std::string label_text() const { return "acepool.test.run=" + run_id_; }
  const std::string& run_id() const { return run_id_; }
  /// A container name unique to this run: `acepool-test-<run>-<suffix>`.
  std::string name(const std::string& suffix) const {
    return "acepool-test-" + run_id_ + "-" + suffix;
  }
  /// A client on the default socket.
  docker::curl_docker_client& client() { return *client_; }
  /// Removes every container carrying this run's label (also done on destruction).
  void remove_all();

 private:
  std::string run_id_;
  std::unique_ptr<docker::curl_docker_client> client_;
};

/// The default-socket client configuration.
docker::client_config default_docker_config();

}  // namespace acepool::testing
