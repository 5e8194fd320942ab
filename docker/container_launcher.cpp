#include "docker/container_launcher.hpp"

namespace acepool::docker {

result<std::string> create_and_start(docker_client& client, const container_spec& spec) {
  auto id = client.create_container(spec);
  if (!id) return id.error();
  auto started = client.start_container(*id);
  if (!started) {
    client.remove_container(*id, true);
    return started.error();
  }
  return *id;
}

}  // namespace acepool::docker
