#pragma once

// The provisioner's insides, shared by its three files: provisioner.cpp (admission, outcomes,
// the behaviour), provisioner_steps.cpp (the steps of one operation) and provisioner_removal.cpp
// (stop + delete). Not for use outside actors/provisioning/.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/typed_response_promise.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/provisioning/provision_slots.hpp"
#include "actors/provisioning/provision_types.hpp"
#include "actors/provisioning/provisioner.hpp"
#include "actors/provisioning/published_breaker.hpp"
#include "actors/runtime/instrumented_actor.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/docker_error.hpp"
#include "docker/docker_types.hpp"
#include "docker/engine_spec.hpp"

namespace acepool::actors::provisioning_detail {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds probe_interval{250};

enum class stage { queued, image, ports, naming, spacing, starting, confirming, probing, backoff };

inline const char* to_string(stage s) {
  switch (s) {
    case stage::queued:
      return "queued";
    case stage::image:
      return "image";
    case stage::ports:
      return "ports";
    case stage::naming:
      return "naming";
    case stage::spacing:
      return "spacing";
    case stage::starting:
      return "starting";
    case stage::confirming:
      return "confirming";
    case stage::probing:
      return "probing";
    case stage::backoff:
      return "backoff";
  }
  return "?";
}

/// How one removal ended: the full container id, or why not (a request_error).
using removal_outcome = caf::expected<std::string>;

/// The pool manager's request for n engines, answered once every one of them was admitted
/// (capacity claimed) or refused, so its next reconciliation already counts the claims.
struct admission_batch {
  caf::typed_response_promise<pool_admission> rp;
  caf::actor requester;  // told of an admitted engine's failure later (pool_provision_failed)
  int pending = 0;
  pool_admission answer;

  /// One operation passed admission or was refused (`blocked_eta_s`: the refusal blocks
  /// provisioning for that long; none for max_capacity, which the pool's own sizing avoids).
  void settle(bool admitted, std::optional<int> blocked_eta_s) {
    if (admitted) ++answer.admitted;
    if (blocked_eta_s && !answer.blocked_eta_s) answer.blocked_eta_s = blocked_eta_s;
    if (--pending == 0) rp.deliver(answer);
  }
};

struct operation {
  uint64_t id = 0;
  std::string key;  // "op-<id>": owner of its port reservations
  bool engine = true;
  engine_request ereq;
  generic_request greq;
  std::string image;
  bool counts_for_breaker = false;
  bool trial = false;
  std::string claim;                       // registry claim ("" for generic containers)
  caf::response_promise rp;                // the caller's answer, unless batch is set
  std::shared_ptr<admission_batch> batch;  // a pool manager's engine: answered on admission
  bool admitted = false;                   // passed admission (holds a slot or waits for one)
  std::optional<size_t> slot;
  int epoch = 0;  // bumped on every retry: results of an earlier attempt are ignored
  int transient_failures = 0;
  int clashes = 0;
  int name_conflicts = 0;
  int name_index = 0;
  std::string name_prefix;
  docker::engine_ports ports;
  std::optional<int> forwarded_port;  // VPN mode: this engine gets P2P_PORT
  std::vector<uint16_t> generic_ports;
  std::string container_id;
  std::string container_name;
  std::string node;       // swarm mode: the node its task runs on
  std::string node_addr;  // swarm mode: that node's address
  clock::time_point started = clock::now();
  clock::time_point confirm_deadline{};  // swarm mode: until then a task on its way may start
  clock::time_point probe_deadline{};
  stage at = stage::queued;
  std::string last_error;
};

struct provisioner_state {
  static inline const char* name = "provisioner";
  provisioner_deps deps;
  std::map<uint64_t, operation> ops;
  std::optional<provision_slots> slots;
  // Containers being removed (by id) → everyone waiting for that removal's result.
  std::map<std::string, std::vector<std::function<void(const removal_outcome&)>>> removals;
  std::optional<published_breaker> circuit;  // the general breaker: only operations use it
  clock::time_point next_start{};
  uint64_t next_id = 1;
  uint64_t succeeded = 0, failed = 0, removed = 0;
  std::optional<std::string> last_failure;
  std::optional<std::chrono::system_clock::time_point> last_failure_at;

  const config::settings& settings() const { return *deps.settings; }

  operation* find(uint64_t id, int epoch = -1) {
    auto it = ops.find(id);
    if (it == ops.end()) return nullptr;
    if (epoch >= 0 && it->second.epoch != epoch) return nullptr;
    return &it->second;
  }

  void publish() {
    provisioning_snapshot p;
    p.limit = static_cast<int>(slots->limit());
    p.in_flight = slots->running();
    p.queued = slots->queued();
    p.last_failure = last_failure;
    p.last_failure_at = last_failure_at;
    deps.published->provisioning.publish(std::move(p));
  }

  nlohmann::json summary() const {
    return {{"in_flight", slots->running()},
            {"queued", slots->queued()},
            {"breaker", to_string(circuit->current().current(clock::now()))},
            {"succeeded", succeeded},
            {"failed", failed},
            {"removed", removed}};
  }

  nlohmann::json full_state() const {
    auto list = nlohmann::json::array();
    for (const auto& [id, op] : ops)
      list.push_back({{"id", op.key},
                      {"kind", op.engine ? "engine" : "generic"},
                      {"origin", op.engine ? to_string(op.ereq.origin) : "api"},
                      {"image", op.image},
                      {"stage", to_string(op.at)},
                      {"slot", op.slot ? nlohmann::json(*op.slot) : nlohmann::json(nullptr)},
                      {"container", op.container_name},
                      {"retries", op.transient_failures},
                      {"last_error", op.last_error},
                      {"age_s", std::chrono::duration<double>(clock::now() - op.started).count()}});
    auto s = summary();
    s["operations"] = list;
    s["last_failure"] = last_failure ? nlohmann::json(*last_failure) : nlohmann::json(nullptr);
    return s;
  }
};

using prov_actor = tracked_typed_actor<provisioner_state, provisioner_handle>;

/// Whether the API may start `image`: TARGET_IMAGE always, ALLOWED_IMAGES on top of it.
bool image_allowed(const config::settings& s, const std::string& image);
/// A provisioning error with `code`'s default ETA unless one is given.
provision_error make_error(provision_code code, std::string message,
                           std::optional<int> eta = std::nullopt);

// ---- requests (provisioner_requests.cpp) and admission (provisioner.cpp) ----

/// Admission: the checks that answer at once, the general breaker, then the capacity claim.
void admit(prov_actor* self, operation op, bool may_be_rate_limited);
/// POST /provision/acestream and acepool's own demands (relay, health replacement).
caf::result<provision_result> accept_engine_request(prov_actor* self, engine_request& req);
/// The pool manager's n engines of TARGET_IMAGE: answered once each was admitted or refused.
caf::result<pool_admission> accept_pool_request(prov_actor* self, int n);
/// POST /provision: a generic container; acepool's own labels are reserved.
caf::result<provision_result> accept_generic_request(prov_actor* self, generic_request& req);

// ---- outcomes (provisioner.cpp) ----

/// Ends an operation with an error: one answer, cleanup, breaker outcome, next in queue.
void fail(prov_actor* self, uint64_t id, provision_error err);
/// Ends an operation successfully.
void succeed(prov_actor* self, uint64_t id, provision_result r);
/// Removes a container an operation created (by id, or by name when the id never arrived) and
/// frees its ports and those of `owner`.
void discard_container(prov_actor* self, const std::string& id_or_name, const std::string& owner);
/// A Docker call of the operation failed: judge it and act.
void handle_docker_error(prov_actor* self, uint64_t id, const docker::docker_error& e);
/// A failure that may go away: clean up this attempt and retry after a backoff.
void transient(prov_actor* self, uint64_t id, provision_code code, const std::string& why);

// ---- the steps of one operation (provisioner_steps.cpp) ----

/// Makes sure the image is there (IMAGE_PULL_POLICY), then goes on to the ports.
void begin(prov_actor* self, uint64_t id);
/// Reserves the operation's ports (again after a backoff or a clash).
void reserve_ports(prov_actor* self, uint64_t id);
/// Picks the name, waits out the start spacing, then creates and starts the container.
void run_container(prov_actor* self, uint64_t id);
/// The create + start itself (after spacing), then confirming it runs.
void start_now(prov_actor* self, uint64_t id);
/// Inspects the started container until it runs (a Swarm task on its way is asked again until
/// STARTUP_TIMEOUT_S), then probes an engine's readiness.
void confirm_running(prov_actor* self, uint64_t id, int epoch, const std::string& container_id);
/// One readiness probe; the answer comes back as probe_result_atom.
void probe(prov_actor* self, uint64_t id);
/// A readiness probe's answer.
void on_probe(prov_actor* self, uint64_t id, int epoch, bool ready);

// ---- removal (provisioner_removal.cpp) ----

/// DELETE /containers/{id} and sizing removals: a known engine, or any managed container.
/// Reply: the full container id, or request_error not_found / failed.
caf::result<std::string> remove(prov_actor* self, const std::string& key,
                                const std::string& reason);
/// Removes managed containers that do not run, unless an operation in flight owns them.
void reap(prov_actor* self, const std::vector<docker::container_summary>& listed);

}  // namespace acepool::actors::provisioning_detail
