// Stop + delete of managed containers, on their own worker pool so removals never hold
// provisioning slots.
#include "actors/provisioning/provisioner_internal.hpp"

#include <cmath>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "actors/request_error.hpp"
#include "support/logging.hpp"

namespace acepool::actors::provisioning_detail {

namespace {

using id_promise = caf::typed_response_promise<std::string>;

removal_outcome removal_failed(const std::string& why) {
  return make_error(request_error::failed, "removal failed: " + why);
}

/// Stops and deletes a managed container, frees its ports, forgets the engine, then answers
/// everyone who asked meanwhile: a container being removed is removed once.
void remove_managed(prov_actor* self, const std::string& id, bool engine, const std::string& reason,
                    std::function<void(const removal_outcome&)> caller) {
  auto& waiting = self->state.removals[id];
  waiting.push_back(std::move(caller));
  if (waiting.size() > 1) return;  // joins the removal in flight
  auto done = [self, id](const removal_outcome& r) {
    auto callers = std::move(self->state.removals[id]);
    self->state.removals.erase(id);
    for (auto& c : callers)
      c(r);
  };
  auto& d = self->state.deps;
  int stop_s = static_cast<int>(
      std::ceil(static_cast<double>(d.settings->docker.engine_stop_timeout.count()) / 1000.0));
  self->request(d.removal_pool, std::chrono::seconds(stop_s + 60), docker_remove_atom::value, id,
                stop_s)
      .then(
          [self, done, id, engine, reason](docker::result<docker::done>& r) mutable {
            auto& d = self->state.deps;
            if (!r.ok()) return done(removal_failed(r.error().message));
            caf::anon_send(d.allocator, release_ports_atom::value, id);
            ++self->state.removed;
            log::event(spdlog::level::info, "container.removed",
                       {{"container", id}, {"reason", reason}, {"engine", engine}});
            if (!engine) return done(id);
            // The registry is updated before the caller hears back.
            self->request(d.registry, std::chrono::seconds(10), engine_gone_atom::value, id)
                .then([done, id](const std::string&) mutable { done(id); },
                      [done, id](caf::error&) mutable { done(id); });
          },
          [done](caf::error&) mutable {
            done(removal_failed("docker did not answer the removal in time"));
          });
}

/// Removes a container that Docker reports as managed; anything else is "not found".
void remove_if_managed(prov_actor* self, const std::string& key, const std::string& reason,
                       id_promise rp) {
  self->request(self->state.deps.quick_pool, std::chrono::seconds(30), docker_inspect_atom::value,
                key)
      .then(
          [self, reason, rp](docker::result<docker::container_details>& c) mutable {
            const auto& label = self->state.settings().docker.container_label;
            auto it = c.ok() ? c->labels.find(label.first) : decltype(c->labels.end()){};
            if (!c.ok() || it == c->labels.end() || it->second != label.second) {
              rp.deliver(make_error(request_error::not_found, "container not found"));
              return;
            }
            remove_managed(self, c->id, !docker::is_generic(c->labels), reason,
                           [rp](const removal_outcome& r) mutable { deliver(rp, r); });
          },
          [rp](caf::error&) mutable { deliver(rp, removal_failed("docker did not answer")); });
}

}  // namespace

caf::result<std::string> remove(prov_actor* self, const std::string& key,
                                const std::string& reason) {
  auto rp = self->make_response_promise<std::string>();
  self->request(self->state.deps.registry, std::chrono::seconds(10), engine_stopping_atom::value,
                key)
      .then(
          [self, key, reason, rp](const std::string& engine_id) mutable {
            if (engine_id.empty()) return remove_if_managed(self, key, reason, rp);
            remove_managed(self, engine_id, true, reason,
                           [rp](const removal_outcome& r) mutable { deliver(rp, r); });
          },
          [rp](caf::error&) mutable { deliver(rp, removal_failed("registry did not answer")); });
  return rp;
}

/// Removes managed containers that do not run — unless an operation in flight owns them (a
/// container is `created` before it is started) or they run by now.
void reap(prov_actor* self, const std::vector<docker::container_summary>& listed) {
  auto& st = self->state;
  for (const auto& c : listed) {
    bool in_flight = false;
    for (const auto& [id, op] : st.ops)
      in_flight = in_flight || op.container_id == c.id ||
                  (!op.container_name.empty() && op.container_name == c.name);
    if (in_flight) continue;
    self->request(st.deps.quick_pool, std::chrono::seconds(30), docker_inspect_atom::value, c.id)
        .then(
            [self](docker::result<docker::container_details>& d) {
              if (!d.ok() || d->running) return;
              for (const auto& [id, op] : self->state.ops)
                if (op.container_id == d->id || op.container_name == d->name) return;
              remove_managed(self, d->id, !docker::is_generic(d->labels), "not_running",
                             [](const removal_outcome&) {});
            },
            [](caf::error&) {});
  }
}

}  // namespace acepool::actors::provisioning_detail
