#include "tests/common/provisioning_rig.hpp"

#include <catch2/catch.hpp>

#include "actors/pool/engine_registry.hpp"
#include "actors/provisioning/port_allocator.hpp"
#include "actors/provisioning/provisioner.hpp"
#include "actors/store/database.hpp"
#include "support/async_http_client.hpp"

namespace acepool::testing {

namespace {

config::settings rig_settings(config::env_map env) {
  env.emplace("TARGET_IMAGE", rig_image);
  env.emplace("MIN_PROVISION_INTERVAL_S", "0");
  env.emplace("MAX_RETRIES", "2");
  env.emplace("RETRY_BACKOFF_S", "1");
  env.emplace("GENERIC_PORT_RANGE", "19450-19459");
  env.emplace("PORT_RANGE_HOST", "19400-19449");
  auto loaded = config::load_settings(env, {});
  INFO(loaded.error);
  REQUIRE(loaded.loaded);
  return loaded.loaded->values;
}

}  // namespace

std::shared_ptr<support::async_http_client> stopped_http_client() {
  auto http = std::make_shared<support::async_http_client>();
  http->stop();
  return http;
}

provisioning_rig::provisioning_rig(config::env_map env)
    : settings(rig_settings(std::move(env))), published(settings) {
  using namespace actors;
  docker->add_image(rig_image);
  docker_pool_sizes sizes{1, 2, 1, true};
  workers = spawn_docker_workers(da.sys, *directory, nullptr, sizes,
                                 [this](auto) { return docker->make_client(); });
  registry = spawn_engine_registry(da.sys, *directory, published, settings, {}, {});
  allocator = spawn_port_allocator(da.sys, *directory, settings, [](uint16_t) { return true; });
  provisioner_deps deps;
  deps.registry = registry;
  deps.allocator = allocator;
  deps.quick_pool = workers.quick;
  deps.removal_pool = workers.removal;
  deps.workers = workers.provisioning;
  deps.http = stopped_http_client();
  deps.published = &published;
  deps.settings = &settings;
  provisioner = spawn_provisioner(da.sys, *directory, deps);
  da.run();
}

provisioning_rig::~provisioning_rig() {
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(provisioner, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(allocator, caf::exit_reason::user_shutdown);
  workers.shutdown();
  da.run();
}

}  // namespace acepool::testing
