#include "tests/common/docker_env.hpp"

#include <cstdio>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "support/random_id.hpp"

namespace acepool::testing {

docker::client_config default_docker_config() {
  docker::client_config c;
  c.endpoint.kind = config::docker_endpoint::transport::unix_socket;
  c.endpoint.socket_path = "/var/run/docker.sock";
  if (const char* host = std::getenv("DOCKER_HOST");
      host && std::string(host).rfind("unix://", 0) == 0)
    c.endpoint.socket_path = std::string(host).substr(7);
  return c;
}

void require_docker() {
  docker::curl_docker_client client(default_docker_config());
  auto ping = client.ping();
  if (!ping) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string(ci) == "true")
      FAIL("CI=true and no Docker daemon: " << ping.error().message);
    std::printf("skipped: no Docker daemon (%s)\n", ping.error().message.c_str());
    std::fflush(stdout);
    std::_Exit(77);
  }
  auto image = client.inspect_image(sim_image);
  if (!image)
    FAIL(sim_image
         << " is missing: run tests/sim/build-image.sh (ctest runs it as sim_image_build)");
}

docker_run_scope::docker_run_scope()
    : run_id_(support::random_hex(10)),
      client_(std::make_unique<docker::curl_docker_client>(default_docker_config())) {}

docker_run_scope::~docker_run_scope() {
  remove_all();
}

void docker_run_scope::remove_all() {
  auto list = client_->list_containers({{"label", {label_text()}}}, true);
  if (!list) return;
  for (const auto& c : *list)
    client_->remove_container(c.id, true);
}

}  // namespace acepool::testing
