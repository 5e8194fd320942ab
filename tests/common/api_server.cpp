#include "tests/common/api_server.hpp"

#include <caf/send.hpp>
#include <catch2/catch.hpp>

#include "actors/runtime/actor_metrics.hpp"
#include "http/api_routes.hpp"
#include "http/transport_options.hpp"
#include "support/process_metrics.hpp"
#include "support/process_stats.hpp"

namespace acepool::testing {

api_server::api_server(config::env_map env, customizer customize, size_t io_threads) : sys(cfg) {
  auto loaded = config::load_settings(env, {});
  INFO(loaded.error);
  REQUIRE(loaded.loaded);
  settings = std::make_shared<const config::loaded_settings>(std::move(*loaded.loaded));
  support::add_process_metrics(metrics);
  actors::add_actor_metrics(metrics, directory);
  workers = actors::spawn_docker_workers(sys, *directory, &metrics, {1, 1, 1},
                                         [this](auto) { return docker->make_client(); });
  context.system = &sys;
  context.directory = directory;
  context.config = settings;
  context.metrics = &metrics;
  context.docker_quick = workers.quick;
  auto routes = http::make_api_router(context);
  if (customize) customize(*this, *routes);
  auto o = http::transport_options(settings->values, support::raise_open_file_limit(), &metrics);
  o.listeners.push_back({"api", "127.0.0.1", 0, routes});
  o.io_threads = io_threads;
  server = std::make_unique<http::http_server>(o);
  auto err = server->start();
  INFO(err.value_or(""));
  REQUIRE_FALSE(err);
}

api_server::~api_server() {
  server->stop_accepting();
  workers.shutdown();
  for (const auto& e : directory->list())
    caf::anon_send_exit(e.handle, caf::exit_reason::user_shutdown);
  sys.await_all_actors_done();
  server->stop();
}

std::string api_server::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(server->port()) + path;
}

}  // namespace acepool::testing
