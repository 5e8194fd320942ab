// A docker worker: a detached actor (its own thread) that owns one Docker client and performs
// blocking Docker calls on request. Scheduled actors and io threads never call Docker directly.
#include "actors/provisioning/docker_worker.hpp"

#include <thread>

#include <caf/actor_pool.hpp>
#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "docker/container_launcher.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/time_format.hpp"

namespace acepool::actors {

namespace {

// Stops then removes a container; one that is already gone is what the caller wanted.
docker::result<docker::done> stop_and_remove(docker::docker_client& client, const std::string& id,
                                             int stop_timeout_s) {
  auto stopped = client.stop_container(id, stop_timeout_s);
  auto removed = client.remove_container(id, true);
  // Another removal of the same container is in progress: wait for it to finish.
  for (int i = 0; i < 50 && !removed && removed.error().code == docker::docker_errc::conflict;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    removed = client.remove_container(id, true);
  }
  if (!removed && removed.error().code == docker::docker_errc::not_found)
    removed = docker::result<docker::done>(docker::done{});
  if (!stopped && stopped.error().code != docker::docker_errc::not_found && !removed)
    return stopped.error();
  return removed;
}

struct docker_worker_state {
  static inline const char* name = "docker_worker";
  std::shared_ptr<docker::docker_client> client;  // used by this worker only
  metrics::registry* metrics = nullptr;
  actor_vitals* vitals = nullptr;  // the worker's own
  uint64_t calls = 0;
  uint64_t failures = 0;
  std::string last_error;
  std::string last_error_at;

  nlohmann::json summary() const {
    return {{"calls", calls},
            {"failures", failures},
            {"last_error", last_error},
            {"last_error_at", last_error_at}};
  }

  /// Runs one blocking Docker call, visible as such in the worker's vitals (readiness counts a
  /// worker inside a call as busy, not stuck: every call has a deadline). Counts the call;
  /// records and counts its failure by operation.
  template <class Call>
  auto perform(const char* op, Call&& blocking_call) {
    auto r = [&] {
      blocking_call_scope busy(*vitals);
      return blocking_call();
    }();
    ++calls;
    if (!r) {
      ++failures;
      last_error =
          std::string(op) + ": " + docker::to_string(r.error().code) + ": " + r.error().message;
      last_error_at = support::now_rfc3339();
      if (metrics != nullptr) metrics->counter(metrics::docker_errors, {{"op", op}}).inc();
      log::event(spdlog::level::debug, "docker.call_failed",
                 {{"op", op},
                  {"class", docker::to_string(r.error().code)},
                  {"detail", r.error().message}});
    }
    return r;
  }
};

caf::behavior docker_worker(tracked_actor<docker_worker_state>* self,
                            std::shared_ptr<docker::docker_client> client,
                            metrics::registry* metrics) {
  self->state.client = std::move(client);
  self->state.metrics = metrics;
  self->state.vitals = self->vitals().get();
  auto& st = self->state;
  return introspectable(
      self,
      caf::message_handler{
          [&st](docker_ping_atom) { return st.perform("ping", [&] { return st.client->ping(); }); },
          [&st](docker_list_atom, const docker::filters& f, bool all) {
            return st.perform("list", [&] { return st.client->list_containers(f, all); });
          },
          [&st](docker_run_atom, const docker::container_spec& spec) {
            return st.perform("run", [&] { return docker::create_and_start(*st.client, spec); });
          },
          [&st](docker_nodes_atom) {
            return st.perform("nodes", [&] { return st.client->list_nodes(); });
          },
          [&st](docker_inspect_atom, const std::string& id) {
            return st.perform("inspect", [&] { return st.client->inspect_container(id); });
          },
          [&st](docker_remove_atom, const std::string& id, int stop_timeout_s) {
            return st.perform("remove",
                              [&] { return stop_and_remove(*st.client, id, stop_timeout_s); });
          },
          [&st](docker_restart_atom, const std::string& id, int timeout_s) {
            return st.perform("restart",
                              [&] { return st.client->restart_container(id, timeout_s); });
          },
          [&st](docker_image_atom, const std::string& image) {
            return st.perform("image", [&] { return st.client->inspect_image(image); });
          },
          [&st](docker_pull_atom, const std::string& image) {
            return st.perform("pull", [&] { return st.client->pull_image(image); });
          },
      });
}

}  // namespace

void docker_workers::shutdown() {
  cancel->store(true);
  for (auto& w : all)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  if (quick) caf::anon_send_exit(quick, caf::exit_reason::user_shutdown);
  if (removal) caf::anon_send_exit(removal, caf::exit_reason::user_shutdown);
}

docker_workers spawn_docker_workers(caf::actor_system& sys, actor_directory& directory,
                                    metrics::registry* metrics, docker_pool_sizes sizes,
                                    const std::function<std::unique_ptr<docker::docker_client>(
                                        std::shared_ptr<const std::atomic<bool>>)>& make_client) {
  docker_workers out;
  auto spawn_group = [&](const std::string& prefix, size_t n) {
    std::vector<caf::actor> group;
    for (size_t i = 1; i <= n; ++i) {
      std::shared_ptr<docker::docker_client> client = make_client(out.cancel);
      auto w = sizes.scheduled ? sys.spawn(docker_worker, client, metrics)
                               : sys.spawn<caf::detached>(docker_worker, client, metrics);
      directory.add(w, prefix + "/" + std::to_string(i), "docker_worker");
      group.push_back(w);
      out.all.push_back(w);
    }
    return group;
  };
  auto make_pool = [&](std::vector<caf::actor> workers) {
    auto it = std::make_shared<std::vector<caf::actor>>(std::move(workers));
    auto next = std::make_shared<size_t>(0);
    return caf::actor_pool::make(
        sys.dummy_execution_unit(), it->size(),
        [it, next] { return (*it)[(*next)++ % it->size()]; }, caf::actor_pool::round_robin());
  };
  out.quick = make_pool(spawn_group("docker_quick", std::max<size_t>(1, sizes.quick)));
  out.provisioning = spawn_group("docker_provision", std::max<size_t>(1, sizes.provisioning));
  out.removal = make_pool(spawn_group("docker_remove", std::max<size_t>(1, sizes.removal)));
  return out;
}

}  // namespace acepool::actors
