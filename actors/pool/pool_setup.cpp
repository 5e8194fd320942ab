#include "actors/pool/pool_setup.hpp"

#include "actors/relay/relay_metrics.hpp"
#include "actors/relay/stream_manager.hpp"

#include "actors/health/health_prober.hpp"
#include "actors/pool/docker_watcher.hpp"
#include "actors/pool/engine_registry.hpp"
#include "actors/pool/pool_manager.hpp"
#include "actors/pool/pool_metrics.hpp"
#include "actors/provisioning/circuit_breaker.hpp"
#include "actors/provisioning/provisioner.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/streams/stats_collector.hpp"
#include "actors/vpn/vpn_watcher.hpp"
#include "config/settings.hpp"
#include "support/async_http_client.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

void pool_actors::shutdown() {
  workers.shutdown();
  if (http) http->stop();
  if (relay_http) relay_http->stop();
}

pool_actors spawn_pool_actors(caf::actor_system& sys, actor_directory& directory,
                              published_state& published, const config::settings& settings,
                              metrics::registry* metrics, pool_options options) {
  pool_actors p;
  docker_pool_sizes sizes;
  sizes.provisioning = static_cast<size_t>(settings.docker.max_concurrent_provisions);
  p.workers = spawn_docker_workers(sys, directory, metrics, sizes, options.make_client);
  p.http = std::make_shared<support::async_http_client>();
  if (options.database) {
    store::store_options so;
    so.history_ttl = settings.service.stream_history_ttl;
    so.stats_history_max = static_cast<size_t>(settings.relay.stats_history_max);
    p.store = store::spawn_store(sys, directory, options.database, metrics, so);
  }
  p.registry =
      spawn_engine_registry(sys, directory, published, settings, p.store, options.restored);
  p.allocator = spawn_port_allocator(sys, directory, settings, options.probe);
  p.breaker = spawn_circuit_breaker(sys, directory, published, settings, metrics);
  provisioner_deps deps;
  deps.registry = p.registry;
  deps.allocator = p.allocator;
  deps.breaker = p.breaker;
  deps.quick_pool = p.workers.quick;
  deps.removal_pool = p.workers.removal;
  deps.workers = p.workers.provisioning;
  deps.http = p.http;
  deps.published = &published;
  deps.settings = &settings;
  deps.metrics = metrics;
  p.provisioner = spawn_provisioner(sys, directory, deps);
  p.pool_manager = spawn_pool_manager(sys, directory, p.registry, p.provisioner, p.workers.quick,
                                      settings, published);
  docker_watcher_deps w;
  w.quick_pool = p.workers.quick;
  w.registry = p.registry;
  w.allocator = p.allocator;
  w.provisioner = p.provisioner;
  w.pool_manager = p.pool_manager;
  w.client = options.events;
  w.event_stream = options.event_stream;
  w.published = &published;
  w.settings = &settings;
  w.metrics = metrics;
  p.watcher = spawn_docker_watcher(sys, directory, w);
  if (settings.vpn.enabled()) {
    vpn_watcher_deps v;
    v.quick_pool = p.workers.quick;
    v.pool_manager = p.pool_manager;
    v.http = p.http;
    v.published = &published;
    v.settings = &settings;
    v.metrics = metrics;
    p.vpn = spawn_vpn_watcher(sys, directory, v);
  }
  health_prober_deps h;
  h.registry = p.registry;
  h.provisioner = p.provisioner;
  h.breaker = p.breaker;
  h.http = p.http;
  h.published = &published;
  h.settings = &settings;
  h.metrics = metrics;
  p.health = spawn_health_prober(sys, directory, h);
  stats_collector_deps c;
  c.registry = p.registry;
  c.http = p.http;
  c.published = &published;
  c.settings = &settings;
  c.metrics = metrics;
  p.stats = spawn_stats_collector(sys, directory, c);
  // Stream bytes get their own transfer thread: probes never queue behind them.
  p.relay_http = std::make_shared<support::async_http_client>();
  relay_deps r;
  r.settings = &settings;
  r.published = &published;
  r.http = p.relay_http;
  r.registry = p.registry;
  r.provisioner = p.provisioner;
  r.counters = std::make_shared<relay::relay_counters>();
  r.metrics = metrics;
  p.streams = spawn_stream_manager(sys, directory, r);
  if (metrics != nullptr) {
    add_pool_metrics(*metrics, published);
    add_relay_metrics(*metrics, r.counters);
  }
  return p;
}

}  // namespace acepool::actors
