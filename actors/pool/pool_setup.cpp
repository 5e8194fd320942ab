#include "actors/pool/pool_setup.hpp"

#include "actors/relay/relay_metrics.hpp"
#include "actors/relay/stream_manager.hpp"

#include "actors/health/health_prober.hpp"
#include "actors/pool/docker_watcher.hpp"
#include "actors/pool/engine_registry.hpp"
#include "actors/pool/pool_manager.hpp"
#include "actors/pool/pool_metrics.hpp"
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

namespace {

/// Everything the spawners below share.
struct wiring {
  caf::actor_system& sys;
  actor_directory& directory;
  published_state& published;
  const config::settings& settings;
  metrics::registry* metrics;
};

/// The provisioning path: store, registry, port allocator, provisioner, pool manager.
void spawn_provisioning(const wiring& w, const pool_options& options, pool_actors& p) {
  if (options.database) {
    store::store_options so;
    so.history_ttl = w.settings.service.stream_history_ttl;
    so.stats_history_max = static_cast<size_t>(w.settings.relay.stats_history_max);
    p.store = store::spawn_store(w.sys, w.directory, options.database, w.metrics, so);
  }
  p.registry = spawn_engine_registry(w.sys, w.directory, w.published, w.settings, p.store,
                                     options.restored, w.metrics);
  p.allocator = spawn_port_allocator(w.sys, w.directory, w.settings, options.probe);
  provisioner_deps deps;
  deps.registry = p.registry;
  deps.allocator = p.allocator;
  deps.quick_pool = p.workers.quick;
  deps.removal_pool = p.workers.removal;
  deps.workers = p.workers.provisioning;
  deps.http = p.http;
  deps.published = &w.published;
  deps.settings = &w.settings;
  deps.metrics = w.metrics;
  p.provisioner = spawn_provisioner(w.sys, w.directory, deps);
  p.pool_manager = spawn_pool_manager(w.sys, w.directory, p.registry, p.provisioner,
                                      p.workers.quick, w.settings, w.published);
}

/// The observers: Docker's containers and events, the VPN, engine health, event streams' stats.
void spawn_watchers(const wiring& w, const pool_options& options, pool_actors& p) {
  docker_watcher_deps d;
  d.quick_pool = p.workers.quick;
  d.registry = p.registry;
  d.allocator = p.allocator;
  d.provisioner = p.provisioner;
  d.pool_manager = p.pool_manager;
  d.client = options.events;
  d.event_stream = options.event_stream;
  d.published = &w.published;
  d.settings = &w.settings;
  d.metrics = w.metrics;
  p.watcher = spawn_docker_watcher(w.sys, w.directory, d);
  if (w.settings.vpn.enabled()) {
    vpn_watcher_deps v;
    v.quick_pool = p.workers.quick;
    v.pool_manager = p.pool_manager;
    v.http = p.http;
    v.published = &w.published;
    v.settings = &w.settings;
    v.metrics = w.metrics;
    p.vpn = spawn_vpn_watcher(w.sys, w.directory, v);
  }
  health_prober_deps h;
  h.registry = p.registry;
  h.provisioner = p.provisioner;
  h.http = p.http;
  h.published = &w.published;
  h.settings = &w.settings;
  h.metrics = w.metrics;
  p.health = spawn_health_prober(w.sys, w.directory, h);
  stats_collector_deps c;
  c.registry = p.registry;
  c.http = p.http;
  c.published = &w.published;
  c.settings = &w.settings;
  c.metrics = w.metrics;
  p.stats = spawn_stats_collector(w.sys, w.directory, c);
}

/// The relay: its own transfer thread (probes never queue behind stream bytes) and the manager.
void spawn_relay(const wiring& w, pool_actors& p) {
  p.relay_http = std::make_shared<support::async_http_client>();
  relay_deps r;
  r.settings = &w.settings;
  r.published = &w.published;
  r.http = p.relay_http;
  r.registry = p.registry;
  r.provisioner = p.provisioner;
  r.stats_collector = p.stats;
  r.counters = std::make_shared<relay::relay_counters>();
  r.metrics = w.metrics;
  p.streams = spawn_stream_manager(w.sys, w.directory, r);
  if (w.metrics != nullptr) {
    add_pool_metrics(*w.metrics, w.published);
    add_relay_metrics(*w.metrics, r.counters);
  }
}

}  // namespace

pool_actors spawn_pool_actors(caf::actor_system& sys, actor_directory& directory,
                              published_state& published, const config::settings& settings,
                              metrics::registry* metrics, const pool_options& options) {
  pool_actors p;
  docker_pool_sizes sizes;
  sizes.provisioning = static_cast<size_t>(settings.docker.max_concurrent_provisions);
  p.workers = spawn_docker_workers(sys, directory, metrics, sizes, options.make_client);
  p.http = std::make_shared<support::async_http_client>();
  const wiring w{sys, directory, published, settings, metrics};
  spawn_provisioning(w, options, p);
  spawn_watchers(w, options, p);
  spawn_relay(w, p);
  return p;
}

}  // namespace acepool::actors
