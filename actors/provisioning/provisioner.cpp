// provisioner: every container acepool creates or removes goes through here. An operation is
// admitted (allow-list, caller keys, queue, general breaker, capacity claim), waits for a slot,
// then walks image → ports → name → start spacing → create+start → confirm running → readiness
// probes, retrying transient failures with backoff, all under one PROVISION_TIMEOUT_S deadline.
// Whatever happens, it ends with exactly one answer and nothing left behind.
#include "actors/provisioning/provisioner_internal.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/provisioning/provision_failure.hpp"
#include "actors/provisioning/provision_slots.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/announce.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/time_format.hpp"

namespace acepool::actors {

namespace provisioning_detail {

// TARGET_IMAGE is always allowed: ALLOWED_IMAGES restricts what the API may start.
bool image_allowed(const config::settings& s, const std::string& image) {
  const auto& allowed = s.docker.allowed_images;
  return image == s.docker.target_image ||
         std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), image) != allowed.end();
}

provision_error make_error(provision_code code, std::string message, std::optional<int> eta) {
  return {code, std::move(message), eta ? eta : default_eta(code)};
}

void dispatch(prov_actor* self);

void count_outcome(prov_actor* self, const operation& op, const std::string& result) {
  auto* m = self->state.deps.metrics;
  if (m == nullptr) return;
  const char* kind = op.engine ? "engine" : "generic";
  m->counter(metrics::provision_total, {{"kind", kind}, {"result", result}}).inc();
  m->histogram(metrics::provision_duration, {{"kind", kind}})
      .observe(std::chrono::duration<double>(clock::now() - op.started).count());
}

/// Removes a container this operation created (by id, or by name when the id never arrived) and
/// frees its ports.
void discard_container(prov_actor* self, const std::string& id_or_name, const std::string& owner) {
  auto& d = self->state.deps;
  int stop_s = static_cast<int>(
      std::ceil(static_cast<double>(d.settings->docker.engine_stop_timeout.count()) / 1000.0));
  auto allocator = d.allocator;
  self->request(d.removal_pool, std::chrono::seconds(stop_s + 60), docker_remove_atom::value,
                id_or_name, stop_s)
      .then(
          [allocator, id_or_name, owner](docker::result<docker::done>&) {
            caf::anon_send(allocator, release_ports_atom::value, id_or_name);
            if (!owner.empty()) caf::anon_send(allocator, release_ports_atom::value, owner);
          },
          [](caf::error&) {});
}

void release_slot(prov_actor* self, operation& op) {
  if (op.slot) self->state.slots->release(*op.slot);
  op.slot.reset();
}

/// Gives an operation's answer to whoever waits for it: the caller's promise; for a pool
/// manager's engine its batch (refused before admission) or a failure notice (after).
void answer(operation& op, provision_result r) {
  if (!op.batch) return op.rp.deliver(std::move(r));
  std::optional<int> eta;
  if (r.error && r.error->code != provision_code::max_capacity) eta = r.error->eta_s.value_or(0);
  if (!op.admitted) return op.batch->settle(false, eta);
  if (eta) caf::anon_send(op.batch->requester, pool_provision_failed_atom::value, *eta);
}

/// Ends an operation with an error: one answer, cleanup, breaker outcome, next in queue.
void fail(prov_actor* self, uint64_t id, provision_error err) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  auto& d = st.deps;
  if (!op->container_id.empty() || !op->container_name.empty()) {
    discard_container(self, op->container_id.empty() ? op->container_name : op->container_id,
                      op->key);
  }
  caf::anon_send(d.allocator, release_ports_atom::value, op->key);
  // The pool manager hears of its engine's failure before the registry's change notice that
  // the freed claim causes, so it backs off instead of asking again at once.
  std::optional<provision_result> pool_answer;
  if (op->batch) {
    pool_answer.emplace();
    pool_answer->error = err;
    answer(*op, *pool_answer);
  }
  if (!op->claim.empty()) caf::anon_send(d.registry, unclaim_atom::value, op->claim);
  if (op->counts_for_breaker && counts_against_breaker(err.code))
    st.circuit->record(false, clock::now());
  else if (op->trial)
    st.circuit->abandon_trial();
  announce(&st.deps.published->feed, spdlog::level::warn, "provision.failed",
           {{"operation", op->key},
            {"kind", op->engine ? "engine" : "generic"},
            {"image", op->image},
            {"code", to_string(err.code)},
            {"detail", err.message},
            {"stage", to_string(op->at)}});
  ++st.failed;
  st.last_failure = std::string(to_string(err.code)) + ": " + err.message;
  st.last_failure_at = std::chrono::system_clock::now();
  count_outcome(self, *op, to_string(err.code));
  if (!pool_answer) {
    provision_result r;
    r.error = std::move(err);
    answer(*op, std::move(r));
  }
  release_slot(self, *op);
  st.ops.erase(id);
  st.publish();
  dispatch(self);
}

/// Ends an operation successfully.
void succeed(prov_actor* self, uint64_t id, provision_result r) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  if (op->counts_for_breaker)
    st.circuit->record(true, clock::now());
  else if (op->trial)
    st.circuit->abandon_trial();
  announce(&st.deps.published->feed, spdlog::level::info, "provision.done",
           {{"operation", op->key},
            {"kind", op->engine ? "engine" : "generic"},
            {"container", op->container_name},
            {"seconds", std::chrono::duration<double>(clock::now() - op->started).count()},
            {"retries", op->transient_failures}});
  ++st.succeeded;
  count_outcome(self, *op, "success");
  answer(*op, std::move(r));
  release_slot(self, *op);
  st.ops.erase(id);
  st.publish();
  dispatch(self);
}

/// A failure that may go away: clean up this attempt and try again after a backoff, until
/// MAX_RETRIES is used up (the deadline bounds everything anyway).
void transient(prov_actor* self, uint64_t id, provision_code code, const std::string& why) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->last_error = why;
  auto backoff = retry_backoff(++op->transient_failures, st.settings().docker.max_retries,
                               st.settings().docker.retry_backoff);
  if (!backoff) return fail(self, id, make_error(code, why));
  if (!op->container_id.empty() || !op->container_name.empty())
    discard_container(self, op->container_id.empty() ? op->container_name : op->container_id, "");
  caf::anon_send(st.deps.allocator, release_ports_atom::value, op->key);
  op->container_id.clear();
  op->container_name.clear();
  op->node.clear();
  op->node_addr.clear();
  op->ports = {};
  op->at = stage::backoff;
  log::event(spdlog::level::info, "provision.retry",
             {{"operation", op->key},
              {"attempt", op->transient_failures},
              {"detail", why},
              {"backoff_ms", backoff->count()}});
  self->delayed_send(self, *backoff, op_step_atom::value, id, ++op->epoch);
}

void handle_docker_error(prov_actor* self, uint64_t id, const docker::docker_error& e) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  if (e.code == docker::docker_errc::port_in_use) ++op->clashes;
  if (e.code == docker::docker_errc::conflict) ++op->name_conflicts;
  auto verdict = judge_docker_failure(e.code, op->engine, {op->clashes, op->name_conflicts});
  if (verdict.quarantine_ports) {
    if (op->ports.host_http)
      caf::anon_send(st.deps.allocator, quarantine_port_atom::value, *op->ports.host_http, op->key);
    for (auto p : op->generic_ports)
      caf::anon_send(st.deps.allocator, quarantine_port_atom::value, p, op->key);
    caf::anon_send(st.deps.allocator, release_ports_atom::value, op->key);
    op->container_id.clear();
    op->container_name.clear();
  }
  switch (verdict.action) {
    case failure_action::other_port:
      op->at = stage::ports;
      return reserve_ports(self, id);
    case failure_action::next_name:
      ++op->name_index;
      op->container_name.clear();
      return run_container(self, id);
    case failure_action::retry:
      return transient(self, id, verdict.code, e.message);
    case failure_action::fail:
      break;
  }
  fail(self, id, make_error(verdict.code, e.message));
}

/// Starts queued operations while slots are free.
void dispatch(prov_actor* self) {
  auto& st = self->state;
  for (bool freed = true; freed;) {
    freed = false;
    for (auto [slot, id] : st.slots->start_waiting()) {
      auto* op = st.find(id);
      if (op == nullptr) {  // gone while it waited: its slot goes to the next one
        st.slots->release(slot);
        freed = true;
        continue;
      }
      op->slot = slot;
      begin(self, id);
    }
  }
  st.publish();
}

/// An admitted operation waits for a slot, under its PROVISION_TIMEOUT_S deadline from now.
void enqueue(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->admitted = true;
  if (op->batch) op->batch->settle(true, std::nullopt);
  self->delayed_send(self, st.settings().docker.provision_timeout, op_deadline_atom::value, id);
  st.slots->enqueue(id);
  dispatch(self);
}

/// Claims capacity at the registry for an engine operation, then queues it (or ends it with
/// max_capacity: not a failure of Docker, never counted by the breaker).
void claim_capacity(prov_actor* self, uint64_t id) {
  const auto* pending = self->state.find(id);
  auto claim = pending->key;
  auto asked = pending->ereq.replaces
                   ? self->request(self->state.deps.registry, std::chrono::seconds(10),
                                   claim_replacement_atom::value, claim, *pending->ereq.replaces)
                   : self->request(self->state.deps.registry, std::chrono::seconds(10),
                                   claim_atom::value, claim);
  asked.then(
      [self, id, claim](bool granted) {
        auto& st = self->state;
        auto* op = st.find(id);
        if (op == nullptr) return;
        if (!granted) {
          const auto& pool = st.settings().pool;
          auto eta =
              pool.auto_delete
                  ? std::optional<int>(static_cast<int>(pool.engine_grace_period.count() / 1000))
                  : std::nullopt;
          op->counts_for_breaker = false;
          return fail(self, id,
                      make_error(provision_code::max_capacity, "MAX_REPLICAS reached", eta));
        }
        op->claim = claim;
        enqueue(self, id);
      },
      [self, id, claim](caf::error&) {
        // The registry may have granted it after all: nothing else would ever return it.
        caf::anon_send(self->state.deps.registry, unclaim_atom::value, claim);
        fail(self, id, make_error(provision_code::general_error, "registry did not answer"));
      });
}

/// The general breaker's verdict on an admitted operation, then its capacity.
void pass_breaker(prov_actor* self, uint64_t id) {
  auto* op = self->state.find(id);
  if (op == nullptr) return;
  auto a = self->state.circuit->admit(clock::now());
  op->trial = a.trial;
  if (!a.allowed) {
    auto eta = static_cast<int>(std::max<int64_t>(1, (a.retry_after.count() + 999) / 1000));
    return fail(self, id,
                make_error(provision_code::circuit_breaker, "the circuit breaker is open", eta));
  }
  if (!op->engine) return enqueue(self, id);  // generic containers are capped at admission
  claim_capacity(self, id);
}

/// The checks that answer at once, before an operation is admitted: the image allow-list, the
/// VPN (docs/behaviour.md §6, before the breaker) and the queue. Every admitted operation counts
/// (running, queued or still being admitted), so requests arriving together cannot all slip
/// past the limit.
std::optional<provision_error> refused_at_once(const provisioner_state& st, const operation& op,
                                               bool may_be_rate_limited) {
  const auto& s = st.settings();
  if (!image_allowed(s, op.image))
    return make_error(provision_code::image_not_allowed,
                      "image " + op.image + " is not in ALLOWED_IMAGES");
  if (op.engine && s.vpn.enabled() && !st.deps.published->vpn.load()->connected)
    return make_error(provision_code::vpn_disconnected, "VPN not connected");
  if (may_be_rate_limited && !st.slots->admits(st.ops.size(), s.docker.provision_queue_max))
    return make_error(provision_code::rate_limited,
                      "the provisioning queue is full (PROVISION_QUEUE_MAX)", 5);
  return std::nullopt;
}

/// Admission: every check that can answer at once, then the breaker, then capacity (the only
/// step that waits, for the registry).
void admit(prov_actor* self, operation op, bool may_be_rate_limited) {
  auto& st = self->state;
  if (auto err = refused_at_once(st, op, may_be_rate_limited)) {
    provision_result r;
    r.error = std::move(err);
    answer(op, std::move(r));
    return;
  }
  op.id = st.next_id++;
  op.key = "op-" + std::to_string(op.id);
  auto id = op.id;
  st.ops.emplace(id, std::move(op));
  pass_breaker(self, id);
}

/// PROVISION_TIMEOUT_S passed: the operation ends as `timeout` wherever it is.
void on_deadline(prov_actor* self, uint64_t id) {
  auto* op = self->state.find(id);
  if (op == nullptr) return;
  auto seconds =
      static_cast<double>(self->state.settings().docker.provision_timeout.count()) / 1000.0;
  auto why = "PROVISION_TIMEOUT_S (" + nlohmann::json(seconds).dump() + " s) passed while " +
             to_string(op->at) + (op->last_error.empty() ? "" : "; last error: " + op->last_error);
  self->state.slots->forget(id);
  fail(self, id, make_error(provision_code::timeout, why));
}

/// A delayed step of an operation (after spacing, between probes, after a backoff).
void on_step(prov_actor* self, uint64_t id, int epoch) {
  auto* op = self->state.find(id, epoch);
  if (op == nullptr) return;
  switch (op->at) {
    case stage::spacing:
      return start_now(self, id);
    case stage::confirming:
      return confirm_running(self, id, epoch, op->container_id);
    case stage::probing:
      return probe(self, id);
    case stage::backoff:
      return reserve_ports(self, id);
    default:
      return;
  }
}

provisioner_handle::behavior_type provisioner(prov_actor* self, provisioner_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.slots.emplace(std::min(st.deps.workers.size(),
                            static_cast<size_t>(st.settings().docker.max_concurrent_provisions)));
  st.circuit.emplace("general", general_breaker_of(st.settings()),
                     st.deps.published->general_breaker, st.deps.metrics, &st.deps.published->feed);
  st.publish();
  return {
      [self](provision_engine_atom, engine_request& req) {
        return accept_engine_request(self, req);
      },
      [self](provision_pool_atom, int n) { return accept_pool_request(self, n); },
      [self](provision_generic_atom, generic_request& req) {
        return accept_generic_request(self, req);
      },
      [self](op_step_atom, uint64_t id, int epoch) { on_step(self, id, epoch); },
      [self](probe_result_atom, uint64_t id, int epoch, bool ready) {
        on_probe(self, id, epoch, ready);
      },
      [self](op_deadline_atom, uint64_t id) { on_deadline(self, id); },
      [self](remove_container_atom, const std::string& key, const std::string& reason) {
        return remove(self, key, reason);
      },
      [self](reap_atom, const std::vector<docker::container_summary>& listed) {
        reap(self, listed);
      },
      [self](breaker_reset_atom) {
        self->state.circuit->reset();
        return caf::ok_atom::value;
      },
      stats_handler(self),
      state_handler(self),
      ping_handler(),
  };
}

}  // namespace provisioning_detail

provisioner_handle spawn_provisioner(caf::actor_system& sys, actor_directory& directory,
                                     provisioner_deps deps) {
  auto a = sys.spawn(provisioning_detail::provisioner, std::move(deps));
  directory.add(caf::actor_cast<caf::actor>(a), "provisioner", "provisioner");
  return a;
}

}  // namespace acepool::actors
