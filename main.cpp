// acepool: wiring only. Load the configuration, start the actor system and the actors, serve
// HTTP, and shut down cleanly on SIGTERM/SIGINT within SHUTDOWN_TIMEOUT_S.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/pool/pool_setup.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/actor_metrics.hpp"
#include "actors/runtime/actor_system_setup.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/runtime/shutdown_sequence.hpp"
#include "actors/store/database.hpp"
#include "config/command_line.hpp"
#include "config/config_reference.hpp"
#include "config/env_source.hpp"
#include "config/settings_loader.hpp"
#include "docker/container_cleanup.hpp"
#include "docker/curl_docker_client.hpp"
#include "docker/swarm_docker_client.hpp"
#include "http/api_routes.hpp"
#include "http/healthcheck.hpp"
#include "http/relay_handler.hpp"
#include "http/server.hpp"
#include "http/transport_options.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/process_metrics.hpp"
#include "support/process_stats.hpp"
#include "support/signals.hpp"
#include "takeover/process_takeover.hpp"

namespace {

using namespace acepool;

constexpr const char* version = ACEPOOL_VERSION;
constexpr int exit_bad_config = 2;
constexpr int exit_actor_lost = 70;    // EX_SOFTWARE
constexpr int takeover_attempts = 60;  // 500 ms apart

bool file_exists(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0;
}

spdlog::level::level_enum to_spdlog(config::log_level l) {
  switch (l) {
    case config::log_level::trace:
      return spdlog::level::trace;
    case config::log_level::debug:
      return spdlog::level::debug;
    case config::log_level::warn:
      return spdlog::level::warn;
    case config::log_level::error:
      return spdlog::level::err;
    case config::log_level::info:
      break;
  }
  return spdlog::level::info;
}

/// Ends the process if shutdown overruns its deadline (a stuck actor must not keep a container
/// from stopping).
class shutdown_watchdog {
 public:
  explicit shutdown_watchdog(std::chrono::milliseconds deadline)
      : thread_([this, deadline] {
          std::unique_lock<std::mutex> lock(mutex_);
          if (!cv_.wait_for(lock, deadline, [this] { return done_; })) {
            log::event(spdlog::level::err, "shutdown.timeout", {{"deadline_ms", deadline.count()}});
            log::logger().flush();
            std::_Exit(1);
          }
        }) {}
  ~shutdown_watchdog() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

http::server_options make_server_options(const config::settings& s, uint64_t open_files,
                                         metrics::registry* metrics,
                                         std::shared_ptr<const http::router> api,
                                         std::shared_ptr<const http::router> relay) {
  auto o = http::transport_options(s, open_files, metrics);
  o.listeners.push_back({"api", s.service.app_bind, s.service.app_port, std::move(api)});
  if (s.service.relay_port)
    o.listeners.push_back({"relay", s.service.relay_bind, *s.service.relay_port, std::move(relay)});
  return o;
}

/// How this process was started: what SIGUSR2 starts again with --takeover.
struct invocation {
  std::string executable;
  std::vector<std::string> args;
  bool cleanup_on_exit = false;
  bool takeover = false;
};

/// The executable's path as started (a binary replaced on disk under that path is what a
/// SIGUSR2 upgrade starts).
std::string executable_path(const char* argv0) {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return argv0;
  std::string path(buf, static_cast<size_t>(n));
  const std::string deleted = " (deleted)";
  if (path.size() > deleted.size() &&
      path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0)
    path.resize(path.size() - deleted.size());
  return path;
}

/// Waits for the relays' engines to be known (adopted from Docker or STATIC_ENGINES) before
/// the relays continue, so each checks its engine's health from the start; at most 5 s.
void wait_for_engines(const actors::published_state& published,
                      const takeover::handover_offer& offer) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    auto engines = published.engines.load();
    bool all = true;
    for (const auto& r : offer.relays) {
      bool found = false;
      for (const auto& e : engines->engines)
        found = found || e.container_id == r->session.container_id;
      all = all && found;
    }
    if (all || std::chrono::steady_clock::now() >= until) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int run_service(const std::shared_ptr<const config::loaded_settings>& loaded,
                const invocation& how) {
  const auto& s = loaded->values;
  auto open_files = support::raise_open_file_limit();
  log::configure(to_spdlog(s.service.level), s.service.format == config::log_format::json
                                                 ? log::format::json
                                                 : log::format::text);
  for (const auto& w : loaded->warnings)
    log::event(spdlog::level::warn, "config.warning", {{"detail", w}});
  log::event(spdlog::level::info, "acepool.starting",
             {{"version", version}, {"open_file_limit", open_files}, {"pid", ::getpid()}});
  // One line that says who may change what (docs/operations.md "Security").
  const auto& svc = s.service;
  log::event(
      svc.api_key ? spdlog::level::info : spdlog::level::warn, "security.mode",
      {{"mode", svc.api_key ? "api_key" : "protected"},
       {"detail", svc.api_key ? "write routes, /debug and /by-label need API_KEY"
                              : "API_KEY is not set: write routes, /debug and /by-label answer "
                                "only clients on this host; set API_KEY to use them remotely"},
       {"reads_need_key", svc.api_key && svc.api_key_reads},
       {"app_bind", svc.app_bind},
       {"cors_origins", svc.cors_origins},
       {"allowed_hosts", svc.allowed_hosts}});

  // --takeover: everything the running acepool hands over arrives first (it keeps serving until
  // this process commits); the rest of the start continues its streams.
  std::optional<takeover::taken_over> taken;
  if (s.service.takeover_socket && !how.takeover)
    if (auto why = takeover::socket_taken(*s.service.takeover_socket)) {
      std::fprintf(stderr, "acepool: %s\n", why->c_str());
      return exit_bad_config;
    }
  if (how.takeover) {
    if (!s.service.takeover_socket) {
      std::fprintf(stderr, "acepool: invalid configuration: --takeover needs TAKEOVER_SOCKET\n");
      return exit_bad_config;
    }
    auto r = takeover::request_takeover(*s.service.takeover_socket, version);
    // A stream starting or failing over cannot move: ask again until all stream (30 s at most).
    for (int attempt = 1;
         std::holds_alternative<takeover::takeover_refusal>(r) &&
         std::get<takeover::takeover_refusal>(r).transient && attempt < takeover_attempts;
         ++attempt) {
      if (attempt == 1)
        log::event(spdlog::level::info, "takeover.waiting",
                   {{"detail", std::get<takeover::takeover_refusal>(r).detail}});
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      r = takeover::request_takeover(*s.service.takeover_socket, version);
    }
    auto* no = std::get_if<takeover::takeover_refusal>(&r);
    if (no != nullptr && no->nobody) {
      // Nothing runs there: start as usual (a process that does serve the port without
      // TAKEOVER_SOCKET still makes the listener fail, so two never serve at once).
      log::event(spdlog::level::info, "takeover.nobody_serving", {{"detail", no->detail}});
    } else if (no != nullptr) {
      log::event(spdlog::level::err, "takeover.failed", {{"detail", no->detail}});
      log::logger().flush();
      std::fprintf(stderr, "acepool: takeover failed: %s\n", no->detail.c_str());
      return 1;
    } else {
      taken = std::move(std::get<takeover::taken_over>(r));
    }
  }
  if (taken) {
    size_t clients = 0;
    for (const auto& relay : taken->offer.relays)
      clients += relay->hub.clients.size();
    log::event(spdlog::level::info, "takeover.received",
               {{"streams", taken->offer.relays.size()},
                {"clients", clients},
                {"listeners", taken->offer.listeners.size()},
                {"from_pid", taken->old_pid},
                {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - taken->asked_at)
                           .count()}});
  }
  auto give_up = [&taken](const std::string& why) {
    if (taken) takeover::abort_takeover(*taken, why);
  };

  // An unusable database is a configuration error, reported before anything starts.
  auto opened = store::database::open(s.service.db_path);
  if (!opened.db) {
    log::event(spdlog::level::err, "store.open_failed",
               {{"db_url", s.service.db_url}, {"detail", opened.error}});
    log::logger().flush();
    std::fprintf(stderr, "acepool: invalid configuration: DB_URL=%s: %s\n",
                 s.service.db_url.c_str(), opened.error.c_str());
    give_up("invalid configuration: DB_URL");
    return exit_bad_config;
  }
  std::shared_ptr<store::database> database = std::move(opened.db);
  auto restored = database->load(std::chrono::system_clock::now() - s.service.stream_history_ttl,
                                 static_cast<size_t>(s.relay.stats_history_max));
  if (taken)
    for (const auto& relay : taken->offer.relays)
      restored.continuing.insert(relay->stream_id);
  log::event(spdlog::level::info, "store.opened",
             {{"db_url", s.service.db_url}, {"streams_restored", restored.streams.size()}});

  caf::actor_system_config caf_cfg;
  actors::configure_actor_system(caf_cfg);
  caf::actor_system system{caf_cfg};

  metrics::registry registry;
  support::add_process_metrics(registry);
  metrics::register_initial_series(registry);
  auto directory = std::make_shared<actors::actor_directory>();
  actors::add_actor_metrics(registry, directory);

  auto client_cfg = docker::client_config::from(s.docker);
  actors::published_state published(s);
  actors::pool_options options;
  // ORCHESTRATOR=swarm: engines are services, placed by the Swarm that DOCKER_HOST manages.
  std::optional<docker::swarm_placement> swarm;
  if (s.docker.orchestrator == config::orchestrator_mode::swarm)
    swarm = docker::swarm_placement{
        s.docker.swarm_constraints, s.docker.max_engines_per_node, s.docker.engine_stop_timeout,
        s.docker.host.kind == config::docker_endpoint::transport::unix_socket};
  options.make_client = [client_cfg, swarm](auto cancel) -> std::unique_ptr<docker::docker_client> {
    auto cfg = client_cfg;
    cfg.cancel = std::move(cancel);
    auto daemon = std::make_unique<docker::curl_docker_client>(cfg);
    if (!swarm) return daemon;
    return std::make_unique<docker::swarm_docker_client>(std::move(daemon), *swarm);
  };
  options.events = client_cfg;
  options.probe = actors::bind_probe(s.docker.engine_publish_address);
  options.database = database;
  options.restored = std::move(restored);
  auto pool = actors::spawn_pool_actors(system, *directory, published, s, &registry, options);

  // A core actor that ends while acepool runs cannot be replaced inside this process: readiness
  // turns 503 naming it, and after a moment for probes to see that, acepool shuts down
  // gracefully and exits with exit_actor_lost so its supervisor (the container's restart policy)
  // starts it again; engines are adopted and history kept.
  std::atomic<bool> actor_lost{false};
  directory->require_registered([&actor_lost](const std::string& name) {
    log::event(spdlog::level::critical, "actor.lost",
               {{"actor", name}, {"exit_code", exit_actor_lost}, {"exit_in_ms", 2000}});
    if (actor_lost.exchange(true)) return;
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(2));
      ::kill(::getpid(), SIGTERM);
    }).detach();
  });

  http::api_context ctx;
  ctx.system = &system;
  ctx.directory = directory;
  ctx.config = loaded;
  ctx.metrics = &registry;
  ctx.docker_quick = pool.workers.quick;
  ctx.published = &published;
  ctx.registry = pool.registry;
  ctx.provisioner = pool.provisioner;
  ctx.pool_manager = pool.pool_manager;
  ctx.health_prober = pool.health;
  ctx.stats_collector = pool.stats;
  ctx.streams = pool.streams;
  http::http_server server(make_server_options(s, open_files, &registry, http::make_api_router(ctx),
                                               http::make_relay_router(ctx)));
  std::map<std::string, int> adopted_listeners;
  if (taken) adopted_listeners = std::exchange(taken->offer.listeners, {});
  if (auto err = server.start(std::move(adopted_listeners), !taken)) {
    give_up(*err);
    log::event(spdlog::level::err, "acepool.listen_failed", {{"detail", *err}});
    std::fprintf(stderr, "acepool: %s\n", err->c_str());
    directory->stop_watching();
    server.stop();
    pool.shutdown();
    actors::stop_all_actors(system, *directory,
                            std::chrono::steady_clock::now() + s.service.shutdown_timeout);
    system.await_all_actors_done();
    return 1;
  }
  if (taken) {
    wait_for_engines(published, taken->offer);
    takeover::adopt_clients(server, taken->offer);
    if (!takeover::commit_takeover(*taken)) {
      // The old process resumed serving: nothing received may be used here.
      log::event(spdlog::level::err, "takeover.failed",
                 {{"detail", "the running acepool did not release its streams; it keeps serving"}});
      log::logger().flush();
      std::_Exit(1);  // not a shutdown: closing adopted clients' sockets gracefully would cut them
    }
    takeover::adopt_relays(system, pool.streams, taken->offer);
    server.start_accepting();
    log::event(spdlog::level::info, "takeover.complete", {{"port", server.port()}});
  }
  std::atomic<bool> handed_over{false};
  bool door_failed = false;
  std::optional<takeover::takeover_server> successor_door;
  if (s.service.takeover_socket) {
    successor_door.emplace(*s.service.takeover_socket, version,
                           takeover::process_hooks(server, system, pool.streams, [&handed_over] {
                             handed_over = true;
                             ::kill(::getpid(), SIGTERM);
                           }));
    if (auto err = successor_door->start(taken.has_value())) {
      log::event(spdlog::level::err, "takeover.unavailable", {{"detail", *err}});
      std::fprintf(stderr, "acepool: %s\n", err->c_str());
      // After a takeover this process serves everyone's streams: it stays (no next takeover);
      // otherwise the setting is wrong and acepool stops.
      if (!taken) {
        door_failed = true;
        ::kill(::getpid(), SIGTERM);
      }
    }
  }
  log::event(spdlog::level::info, "acepool.ready", {{"port", server.port()}});

  int sig = support::wait_for_termination_signal();
  while (sig == SIGUSR2) {
    if (!s.service.takeover_socket) {
      log::event(spdlog::level::warn, "takeover.unavailable",
                 {{"detail", "SIGUSR2 asks for an upgrade in place, which needs TAKEOVER_SOCKET"}});
    } else {
      std::string why;
      auto pid = takeover::start_successor(how.executable, how.args, why);
      log::event(pid > 0 ? spdlog::level::info : spdlog::level::err, "takeover.successor",
                 {{"pid", pid}, {"executable", how.executable}, {"detail", why}});
    }
    sig = support::wait_for_termination_signal();
  }
  directory->stop_watching();
  log::event(spdlog::level::info, "shutdown.begin",
             {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
              {"reason", handed_over  ? "handed_over"
                         : actor_lost ? "actor_lost"
                                      : "signal"},
              {"timeout_ms", s.service.shutdown_timeout.count()}});
  shutdown_watchdog watchdog(s.service.shutdown_timeout);
  // First: a takeover under way either finished (handed over) or is aborted before the actors
  // stop, so nothing offered is both resumed here and used by a new process.
  if (successor_door) successor_door->stop();
  // Cleanup must finish inside the watchdog's deadline.
  auto shutdown_deadline = std::chrono::steady_clock::now() + s.service.shutdown_timeout -
                           std::chrono::milliseconds(500);
  server.stop_accepting();
  pool.shutdown();  // aborts Docker and engine transfers so no actor waits on one
  actors::stop_all_actors(system, *directory, shutdown_deadline);
  system.await_all_actors_done();
  // After the actors' last announcements (streams ended at the stop): subscribers end their
  // responses while the server still runs.
  published.feed.close();
  server.stop();
  // Handed over: the engines serve the new process's streams.
  if (how.cleanup_on_exit && !handed_over) {
    auto removed =
        docker::remove_all_managed(client_cfg, s.docker.container_label, shutdown_deadline, swarm);
    log::event(spdlog::level::info, "shutdown.cleanup", {{"removed", removed}});
  }
  log::event(spdlog::level::info, "shutdown.complete");
  log::logger().flush();
  return door_failed ? exit_bad_config : actor_lost ? exit_actor_lost : 0;
}

}  // namespace

int main(int argc, char** argv) {
  support::block_termination_signals();
  auto cl = config::parse_command_line(argc, argv);
  if (!cl.parsed) {
    std::fprintf(stderr, "acepool: %s\n", cl.error.c_str());
    return exit_bad_config;
  }
  if (cl.parsed->help) {
    std::fputs(config::render_help(version).c_str(), stdout);
    return 0;
  }
  if (cl.parsed->version) {
    std::printf("acepool %s\n", version);
    return 0;
  }
  if (cl.parsed->print_reference) {
    auto text = *cl.parsed->print_reference == "markdown" ? config::render_markdown_reference()
                                                          : config::render_example_env();
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  config::env_map file_values;
  if (cl.parsed->env_file || file_exists(".env")) {
    auto file = config::read_env_file(cl.parsed->env_file.value_or(".env"));
    if (file.error) {
      std::fprintf(stderr, "acepool: invalid configuration: %s\n", file.error->c_str());
      return exit_bad_config;
    }
    file_values = std::move(file.values);
  }
  auto result = config::load_settings(config::process_environment(), file_values);
  if (!result.loaded) {
    std::fprintf(stderr, "acepool: invalid configuration: %s\n", result.error.c_str());
    return exit_bad_config;
  }
  if (cl.parsed->print_config) {
    std::fputs(config::render_effective(*result.loaded).c_str(), stdout);
    return 0;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if (cl.parsed->healthcheck) {
    const auto& svc = result.loaded->values.service;
    return http::probe_health(svc.app_bind, svc.app_port) ? 0 : 1;
  }
  invocation how;
  how.executable = executable_path(argv[0]);
  for (int i = 1; i < argc; ++i)
    how.args.emplace_back(argv[i]);
  how.cleanup_on_exit = cl.parsed->cleanup_on_exit;
  how.takeover = cl.parsed->takeover;
  return run_service(std::make_shared<const config::loaded_settings>(std::move(*result.loaded)),
                     how);
}
