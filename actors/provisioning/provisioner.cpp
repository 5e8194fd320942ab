// provisioner: every container acepool creates or removes goes through here. An operation is
// admitted (allow-list, caller keys, queue, general breaker, capacity claim), waits for a slot,
// then walks image → ports → name → start spacing → create+start → confirm running → readiness
// probes, retrying transient failures with backoff, all under one PROVISION_TIMEOUT_S deadline.
// Whatever happens, it ends with exactly one answer and nothing left behind.
#include "actors/provisioning/provisioner.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metrics_registry.hpp"
#include "support/time_format.hpp"

namespace acepool::actors {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int max_port_clashes = 10;
constexpr int max_name_conflicts = 20;
constexpr milliseconds probe_interval{250};

enum class stage { queued, image, ports, naming, spacing, starting, confirming, probing, backoff };

const char* to_string(stage s) {
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

struct operation {
  uint64_t id = 0;
  std::string key;  // "op-<id>": owner of its port reservations
  bool engine = true;
  engine_request ereq;
  generic_request greq;
  std::string image;
  bool counts_for_breaker = false;
  bool trial = false;
  std::string claim;  // registry claim ("" for generic containers)
  caf::response_promise rp;
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
  clock::time_point started = clock::now();
  clock::time_point probe_deadline{};
  stage at = stage::queued;
  std::string last_error;
};

struct provisioner_state {
  static inline const char* name = "provisioner";
  provisioner_deps deps;
  std::map<uint64_t, operation> ops;
  std::deque<uint64_t> queue;
  std::vector<std::optional<uint64_t>> slots;
  clock::time_point next_start{};
  uint64_t next_id = 1;
  uint64_t succeeded = 0, failed = 0, removed = 0;
  std::optional<std::string> last_failure;
  std::optional<std::chrono::system_clock::time_point> last_failure_at;

  const config::settings& settings() const { return *deps.settings; }

  int running() const {
    return static_cast<int>(
        std::count_if(slots.begin(), slots.end(), [](const auto& x) { return x.has_value(); }));
  }

  operation* find(uint64_t id, int epoch = -1) {
    auto it = ops.find(id);
    if (it == ops.end()) return nullptr;
    if (epoch >= 0 && it->second.epoch != epoch) return nullptr;
    return &it->second;
  }

  void publish() {
    provisioning_snapshot p;
    p.limit = static_cast<int>(slots.size());
    p.in_flight = running();
    p.queued = static_cast<int>(queue.size());
    p.last_failure = last_failure;
    p.last_failure_at = last_failure_at;
    deps.published->provisioning.publish(std::move(p));
  }

  nlohmann::json summary() const {
    return {{"in_flight", running()},
            {"queued", queue.size()},
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

using prov_actor = tracked_actor<provisioner_state>;

// TARGET_IMAGE is always allowed: ALLOWED_IMAGES restricts what the API may start.
bool image_allowed(const config::settings& s, const std::string& image) {
  const auto& allowed = s.docker.allowed_images;
  return image == s.docker.target_image ||
         std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), image) != allowed.end();
}

// Failures of Docker or the engine (not of the caller's request) count for the breaker.
bool server_side(provision_code c) {
  return c == provision_code::timeout || c == provision_code::docker_unavailable ||
         c == provision_code::image_missing || c == provision_code::general_error;
}

provision_error make_error(provision_code code, std::string message,
                           std::optional<int> eta = std::nullopt) {
  return {code, std::move(message), eta ? eta : default_eta(code)};
}

void dispatch(prov_actor* self);
void begin(prov_actor* self, uint64_t id);
void reserve_ports(prov_actor* self, uint64_t id);
void run_container(prov_actor* self, uint64_t id);
void probe(prov_actor* self, uint64_t id);

void count_outcome(prov_actor* self, const operation& op, const std::string& result) {
  auto* m = self->state.deps.metrics;
  if (m == nullptr) return;
  const char* kind = op.engine ? "engine" : "generic";
  m->counter("acepool_provision_total", "Provisioning operations by kind and result",
             {{"kind", kind}, {"result", result}})
      .inc();
  m->histogram("acepool_provision_duration_seconds", "Provisioning duration, admission to answer",
               metrics::default_latency_buckets(), {{"kind", kind}})
      .observe(std::chrono::duration<double>(clock::now() - op.started).count());
}

/// Removes a container this operation created (by id, or by name when the id never arrived) and
/// frees its ports.
void discard_container(prov_actor* self, const std::string& id_or_name, const std::string& owner) {
  auto& d = self->state.deps;
  int stop_s = static_cast<int>(std::ceil(d.settings->docker.engine_stop_timeout.count() / 1000.0));
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
  if (op.slot) self->state.slots[*op.slot].reset();
  op.slot.reset();
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
  if (!op->claim.empty()) caf::anon_send(d.registry, unclaim_atom::value, op->claim);
  if (op->counts_for_breaker && server_side(err.code))
    caf::anon_send(d.breaker, breaker_record_atom::value, breaker_kind::general, false);
  else if (op->trial)
    caf::anon_send(d.breaker, breaker_abandon_atom::value, breaker_kind::general);
  log::event(spdlog::level::warn, "provision.failed",
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
  provision_result r;
  r.error = std::move(err);
  op->rp.deliver(std::move(r));
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
    caf::anon_send(st.deps.breaker, breaker_record_atom::value, breaker_kind::general, true);
  else if (op->trial)
    caf::anon_send(st.deps.breaker, breaker_abandon_atom::value, breaker_kind::general);
  log::event(spdlog::level::info, "provision.done",
             {{"operation", op->key},
              {"kind", op->engine ? "engine" : "generic"},
              {"container", op->container_name},
              {"seconds", std::chrono::duration<double>(clock::now() - op->started).count()},
              {"retries", op->transient_failures}});
  ++st.succeeded;
  count_outcome(self, *op, "success");
  op->rp.deliver(std::move(r));
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
  if (++op->transient_failures > st.settings().docker.max_retries)
    return fail(self, id, make_error(code, why));
  if (!op->container_id.empty() || !op->container_name.empty())
    discard_container(self, op->container_id.empty() ? op->container_name : op->container_id, "");
  caf::anon_send(st.deps.allocator, release_ports_atom::value, op->key);
  op->container_id.clear();
  op->container_name.clear();
  op->ports = {};
  op->at = stage::backoff;
  auto backoff =
      st.settings().docker.retry_backoff * (1 << std::min(op->transient_failures - 1, 10));
  log::event(spdlog::level::info, "provision.retry",
             {{"operation", op->key},
              {"attempt", op->transient_failures},
              {"detail", why},
              {"backoff_ms", backoff.count()}});
  self->delayed_send(self, backoff, op_step_atom::value, id, ++op->epoch);
}

void handle_docker_error(prov_actor* self, uint64_t id, const docker::docker_error& e) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  switch (e.code) {
    case docker::docker_errc::port_in_use: {
      // A clash with a foreign process: quarantine the port, try another (not a failure).
      if (++op->clashes > max_port_clashes)
        return fail(self, id, make_error(provision_code::general_error, e.message));
      if (op->ports.host_http)
        caf::anon_send(st.deps.allocator, quarantine_port_atom::value, *op->ports.host_http,
                       op->key);
      for (auto p : op->generic_ports)
        caf::anon_send(st.deps.allocator, quarantine_port_atom::value, p, op->key);
      caf::anon_send(st.deps.allocator, release_ports_atom::value, op->key);
      op->container_id.clear();
      op->container_name.clear();
      if (!op->engine)
        return fail(self, id, make_error(provision_code::invalid_request, e.message));
      op->at = stage::ports;
      return reserve_ports(self, id);
    }
    case docker::docker_errc::conflict:
      if (++op->name_conflicts > max_name_conflicts)
        return fail(self, id, make_error(provision_code::general_error, e.message));
      ++op->name_index;
      op->container_name.clear();
      return run_container(self, id);
    case docker::docker_errc::image_missing:
      return fail(self, id, make_error(provision_code::image_missing, e.message));
    case docker::docker_errc::daemon_unreachable:
      return transient(self, id, provision_code::docker_unavailable, e.message);
    case docker::docker_errc::bad_request:
      // Docker refused what was asked (an invalid spec): the caller's mistake, answered at once,
      // never retried and never counted against the breaker.
      return fail(self, id, make_error(provision_code::invalid_request, e.message));
    default:
      return transient(self, id, provision_code::general_error, e.message);
  }
}

/// Starts queued operations while slots are free.
void dispatch(prov_actor* self) {
  auto& st = self->state;
  for (size_t slot = 0; slot < st.slots.size() && !st.queue.empty(); ++slot) {
    if (st.slots[slot]) continue;
    auto id = st.queue.front();
    st.queue.pop_front();
    auto* op = st.find(id);
    if (op == nullptr) continue;
    st.slots[slot] = id;
    op->slot = slot;
    begin(self, id);
  }
  st.publish();
}

const caf::actor& worker_of(prov_actor* self, const operation& op) {
  return self->state.deps.workers[*op.slot];
}

/// Makes sure the image is there (IMAGE_PULL_POLICY), then goes on to the ports.
void begin(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->at = stage::image;
  const auto policy = st.settings().docker.image_pull_policy;
  auto epoch = op->epoch;
  auto pull = [self, id, epoch] {
    auto* op = self->state.find(id, epoch);
    if (op == nullptr) return;
    self->request(worker_of(self, *op), self->state.settings().docker.provision_timeout,
                  docker_pull_atom::value, op->image)
        .then(
            [self, id, epoch](docker::result<docker::done>& r) {
              if (self->state.find(id, epoch) == nullptr) return;
              if (r.ok()) return reserve_ports(self, id);
              if (r.error().code == docker::docker_errc::daemon_unreachable)
                return handle_docker_error(self, id, r.error());
              fail(self, id, make_error(provision_code::image_missing, r.error().message));
            },
            [self, id](caf::error&) {
              transient(self, id, provision_code::general_error, "image pull did not answer");
            });
  };
  if (policy == config::pull_policy::always) return pull();
  self->request(worker_of(self, *op), std::chrono::seconds(30), docker_image_atom::value, op->image)
      .then(
          [self, id, epoch, policy, pull](docker::result<docker::image_info>& r) {
            auto* op = self->state.find(id, epoch);
            if (op == nullptr) return;
            if (r.ok()) return reserve_ports(self, id);
            if (r.error().code != docker::docker_errc::image_missing)
              return handle_docker_error(self, id, r.error());
            if (policy == config::pull_policy::never)
              return fail(self, id,
                          make_error(provision_code::image_missing,
                                     op->image + " is not present and IMAGE_PULL_POLICY=never"));
            pull();
          },
          [self, id](caf::error&) {
            transient(self, id, provision_code::general_error, "image check did not answer");
          });
}

/// VPN mode (docs/behaviour.md §6): the engine is reached through the host port Gluetun publishes
/// for its container port, and it becomes the forwarded engine when no engine or operation holds
/// the current forwarded port. Returns why the engine cannot be reached, if it cannot.
std::optional<std::string> join_vpn_namespace(provisioner_state& st, operation& op) {
  auto vpn = st.deps.published->vpn.load();
  if (st.settings().docker.access != config::engine_access::network) {
    auto host = vpn->host_port(op.ports.container_http);
    if (!host)
      return "the Gluetun container " + st.settings().vpn.gluetun_container_name.value_or("") +
             " does not publish port " + std::to_string(op.ports.container_http) +
             " (publish GLUETUN_PORT_RANGE)";
    op.ports.host_http = *host;
  }
  if (!vpn->forwarded_port) return std::nullopt;
  int port = *vpn->forwarded_port;
  for (const auto& e : st.deps.published->engines.load()->engines)
    if (e.forwarded && e.forwarded_port == port && e.state != engine_state::stopping)
      return std::nullopt;
  for (const auto& [other_id, other] : st.ops)
    if (&other != &op && other.forwarded_port == port) return std::nullopt;
  op.forwarded_port = port;
  return std::nullopt;
}

void reserve_ports(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->at = stage::ports;
  auto epoch = op->epoch;
  auto on_grant = [self, id, epoch](port_grant& g) {
    auto* op = self->state.find(id, epoch);
    if (op == nullptr) return;
    if (!g.ok) {
      auto eta = g.code == provision_code::max_capacity && self->state.settings().pool.auto_delete
                     ? std::optional<int>(static_cast<int>(
                           self->state.settings().pool.engine_grace_period.count() / 1000))
                     : std::nullopt;
      return fail(self, id, make_error(g.code, g.message, eta));
    }
    op->ports = g.ports;
    if (op->engine && self->state.settings().vpn.enabled()) {
      if (auto why = join_vpn_namespace(self->state, *op))
        return fail(self, id, make_error(provision_code::general_error, *why));
    }
    run_container(self, id);
  };
  auto on_error = [self, id](caf::error&) {
    transient(self, id, provision_code::general_error, "port allocator did not answer");
  };
  if (!op->engine) {
    std::vector<uint16_t> wanted;
    for (const auto& [k, port] : op->greq.ports)
      wanted.push_back(port);
    op->generic_ports = wanted;
    self->request(st.deps.allocator, std::chrono::seconds(10), reserve_host_ports_atom::value,
                  op->key, wanted)
        .then(on_grant, on_error);
    return;
  }
  port_request req;
  req.vpn = st.settings().vpn.enabled();
  req.publish_http = !req.vpn;
  req.publish_https = st.settings().docker.ace_map_https;
  req.host_http = op->ereq.host_port;
  if (auto it = op->ereq.env.find("CONF"); it != op->ereq.env.end()) {
    auto conf = docker::parse_conf_ports(it->second);
    if (conf) {
      req.container_http = conf->http;
      req.container_https = conf->https;
    }
  }
  self->request(st.deps.allocator, std::chrono::seconds(10), reserve_ports_atom::value, op->key,
                req)
      .then(on_grant, on_error);
}

docker::container_spec spec_of(const provisioner_state& st, const operation& op) {
  if (!op.engine)
    return docker::build_generic_spec(st.settings(), op.container_name, op.image, op.greq.env,
                                      op.greq.labels, op.greq.ports);
  docker::engine_spec_input in;
  in.name = op.container_name;
  in.image = op.image;
  in.caller_labels = op.ereq.labels;
  in.caller_env = op.ereq.env;
  in.ports = op.ports;
  if (st.settings().vpn.enabled()) in.vpn_container = st.settings().vpn.gluetun_container_name;
  in.p2p_port = op.forwarded_port;
  return docker::build_engine_spec(st.settings(), in);
}

/// Picks the name, waits out MIN_PROVISION_INTERVAL_S since the previous start, then creates and
/// starts the container on this operation's own worker.
void run_container(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->at = stage::naming;
  auto epoch = op->epoch;
  auto named = [self, id, epoch](std::vector<std::string> names) {
    auto& st = self->state;
    auto* op = st.find(id, epoch);
    if (op == nullptr) return;
    // Names of other operations in flight are taken too.
    for (const auto& [other_id, other] : st.ops)
      if (!other.container_name.empty() && other_id != id) names.push_back(other.container_name);
    op->container_name =
        op->name_prefix + "-" +
        std::to_string(docker::next_name_index(names, op->name_prefix) + op->name_index);
    op->at = stage::spacing;
    auto now = clock::now();
    auto start_at = std::max(now, st.next_start);
    st.next_start = start_at + st.settings().docker.min_provision_interval;
    auto wait = std::chrono::duration_cast<milliseconds>(start_at - now);
    if (wait.count() > 0)
      self->delayed_send(self, wait, op_step_atom::value, id, epoch);
    else
      self->send(self, op_step_atom::value, id, epoch);
  };
  if (op->engine) {
    self->request(st.deps.registry, std::chrono::seconds(10), engine_names_atom::value)
        .then(named, [self, id](caf::error&) {
          transient(self, id, provision_code::general_error, "registry did not answer");
        });
  } else {
    docker::filters f{{"name", {op->name_prefix + "-"}}};
    self->request(st.deps.quick_pool, std::chrono::seconds(30), docker_list_atom::value, f, true)
        .then(
            [self, id, named](docker::result<std::vector<docker::container_summary>>& r) {
              if (!r.ok()) return handle_docker_error(self, id, r.error());
              std::vector<std::string> names;
              for (const auto& c : *r)
                names.push_back(c.name);
              named(std::move(names));
            },
            [self, id](caf::error&) {
              transient(self, id, provision_code::general_error, "docker list did not answer");
            });
  }
}

/// The create + start itself (after spacing), then confirming it runs.
void start_now(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->at = stage::starting;
  auto epoch = op->epoch;
  auto spec = spec_of(st, *op);
  auto name = op->container_name;
  auto key = op->key;
  auto timeout = st.settings().docker.startup_timeout + std::chrono::seconds(30);
  self->request(worker_of(self, *op), timeout, docker_run_atom::value, spec)
      .then(
          [self, id, epoch, key](docker::result<std::string>& r) {
            auto& st = self->state;
            auto* op = st.find(id, epoch);
            if (op == nullptr) {
              // The operation ended (deadline) while Docker was still starting it: remove it.
              if (r.ok()) discard_container(self, *r, key);
              return;
            }
            if (!r.ok()) return handle_docker_error(self, id, r.error());
            op->container_id = *r;
            if (!op->claim.empty())
              caf::anon_send(st.deps.registry, claim_container_atom::value, op->claim, *r);
            caf::anon_send(st.deps.allocator, bind_ports_atom::value, op->key, *r);
            op->at = stage::confirming;
            self->request(worker_of(self, *op), std::chrono::seconds(30),
                          docker_inspect_atom::value, *r)
                .then(
                    [self, id, epoch](docker::result<docker::container_details>& d) {
                      auto* op = self->state.find(id, epoch);
                      if (op == nullptr) return;
                      if (!d.ok()) return handle_docker_error(self, id, d.error());
                      if (!d->running)
                        return transient(self, id, provision_code::general_error,
                                         "container exited at start (exit code " +
                                             std::to_string(d->exit_code) + ")");
                      if (!op->engine) {
                        provision_result res;
                        res.container_id = op->container_id;
                        res.container_name = op->container_name;
                        return succeed(self, id, std::move(res));
                      }
                      op->probe_deadline =
                          clock::now() + self->state.settings().docker.engine_ready_timeout;
                      op->at = stage::probing;
                      probe(self, id);
                    },
                    [self, id](caf::error&) {
                      transient(self, id, provision_code::general_error,
                                "container inspect did not answer");
                    });
          },
          [self, id, epoch, name](caf::error&) {
            auto* op = self->state.find(id, epoch);
            if (op == nullptr) return;
            // The worker may still create it: remember the name so cleanup removes it.
            op->container_name = name;
            transient(self, id, provision_code::general_error,
                      "docker did not start the container within STARTUP_TIMEOUT_S");
          });
}

std::string access_host(const provisioner_state& st, const operation& op) {
  if (st.settings().docker.access == config::engine_access::network) return op.container_name;
  return st.settings().docker.engine_host_address;
}

uint16_t access_port(const operation& op) {
  return op.ports.host_http.value_or(op.ports.container_http);
}

/// One readiness probe (get_status) on the async HTTP loop; the answer comes back as a message.
void probe(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  auto url = "http://" + access_host(st, *op) + ":" + std::to_string(access_port(*op)) +
             "/server/api?api_version=3&method=get_status";
  auto epoch = op->epoch;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto timeout =
      std::min<milliseconds>(st.settings().health.probe_timeout, std::chrono::seconds(5));
  bool queued = st.deps.http->get(url, timeout, [me, id, epoch](support::http_result r) {
    bool ok = r.status == 200 && nlohmann::json::parse(r.body, nullptr, false).is_object();
    caf::anon_send(me, probe_result_atom::value, id, epoch, ok);
  });
  if (!queued) self->delayed_send(self, probe_interval, probe_result_atom::value, id, epoch, false);
}

void on_probe(prov_actor* self, uint64_t id, int epoch, bool ready) {
  auto& st = self->state;
  auto* op = st.find(id, epoch);
  if (op == nullptr || op->at != stage::probing) return;
  if (!ready) {
    if (clock::now() < op->probe_deadline) {
      self->delayed_send(self, probe_interval, op_step_atom::value, id, epoch);
      return;
    }
    return transient(self, id, provision_code::general_error,
                     "engine did not answer get_status within ENGINE_READY_TIMEOUT_S");
  }
  engine_record e;
  e.container_id = op->container_id;
  e.container_name = op->container_name;
  e.image = op->image;
  e.host = access_host(st, *op);
  e.port = access_port(*op);
  e.container_http_port = op->ports.container_http;
  e.container_https_port = op->ports.container_https;
  e.host_https_port = op->ports.host_https;
  e.labels = spec_of(st, *op).labels;
  e.forwarded = op->forwarded_port.has_value();
  e.forwarded_port = op->forwarded_port;
  e.vpn_container = st.settings().vpn.gluetun_container_name;
  e.state = engine_state::running;
  e.health = health_status::healthy;
  e.last_health_check = std::chrono::system_clock::now();
  e.idle_since = clock::now();
  e.created = e.idle_since;
  auto claim = op->claim;
  op->claim.clear();  // consumed by engine_up
  self->request(st.deps.registry, std::chrono::seconds(10), engine_up_atom::value, e, claim)
      .then(
          [self, id, e](caf::ok_atom) {
            provision_result r;
            r.engine = e;
            succeed(self, id, std::move(r));
          },
          [self, id](caf::error&) {
            fail(self, id, make_error(provision_code::general_error, "registry did not answer"));
          });
}

/// Admission: every check that can answer at once, then the breaker, then capacity.
void admit(prov_actor* self, operation op, bool may_be_rate_limited,
           std::optional<std::string> preclaimed) {
  auto& st = self->state;
  auto& s = st.settings();
  // Refused before admission: answered at once, the caller's claim handed back.
  auto refuse = [&](provision_error err) {
    if (preclaimed) caf::anon_send(st.deps.registry, unclaim_atom::value, *preclaimed);
    provision_result r;
    r.error = std::move(err);
    op.rp.deliver(std::move(r));
  };
  if (!image_allowed(s, op.image))
    return refuse(make_error(provision_code::image_not_allowed,
                             "image " + op.image + " is not in ALLOWED_IMAGES"));
  // docs/behaviour.md §6: no new engine while the VPN is down (checked before the breaker).
  if (op.engine && s.vpn.enabled() && !st.deps.published->vpn.load()->connected)
    return refuse(make_error(provision_code::vpn_disconnected, "VPN not connected"));
  // Every admitted operation counts (running, queued, or still being admitted), so requests
  // arriving together cannot all slip past the limit.
  if (may_be_rate_limited && static_cast<int>(st.ops.size()) >=
                                 static_cast<int>(st.slots.size()) + s.docker.provision_queue_max)
    return refuse(make_error(provision_code::rate_limited,
                             "the provisioning queue is full (PROVISION_QUEUE_MAX)", 5));
  op.id = st.next_id++;
  op.key = "op-" + std::to_string(op.id);
  auto id = op.id;
  bool engine = op.engine;
  st.ops.emplace(id, std::move(op));
  self->request(st.deps.breaker, std::chrono::seconds(10), breaker_admit_atom::value,
                breaker_kind::general)
      .then(
          [self, id, engine, preclaimed](breaker::admission a) {
            auto& st = self->state;
            auto* op = st.find(id);
            if (op == nullptr) return;
            op->trial = a.trial;
            if (!a.allowed) {
              auto eta =
                  static_cast<int>(std::max<int64_t>(1, (a.retry_after.count() + 999) / 1000));
              if (preclaimed) op->claim = *preclaimed;
              return fail(
                  self, id,
                  make_error(provision_code::circuit_breaker, "the circuit breaker is open", eta));
            }
            auto enqueue = [self, id] {
              auto& st = self->state;
              auto* op = st.find(id);
              if (op == nullptr) return;
              self->delayed_send(self, st.settings().docker.provision_timeout,
                                 op_deadline_atom::value, id);
              st.queue.push_back(id);
              dispatch(self);
            };
            if (!engine) return enqueue();
            if (preclaimed) {
              op->claim = *preclaimed;
              return enqueue();
            }
            auto claim = op->key;
            self->request(st.deps.registry, std::chrono::seconds(10), claim_atom::value, claim)
                .then(
                    [self, id, claim, enqueue](bool granted) {
                      auto& st = self->state;
                      auto* op = st.find(id);
                      if (op == nullptr) return;
                      if (!granted) {
                        auto eta = st.settings().pool.auto_delete
                                       ? std::optional<int>(static_cast<int>(
                                             st.settings().pool.engine_grace_period.count() / 1000))
                                       : std::nullopt;
                        op->counts_for_breaker = false;
                        return fail(
                            self, id,
                            make_error(provision_code::max_capacity, "MAX_REPLICAS reached", eta));
                      }
                      op->claim = claim;
                      enqueue();
                    },
                    [self, id](caf::error&) {
                      fail(self, id,
                           make_error(provision_code::general_error, "registry did not answer"));
                    });
          },
          [self, id](caf::error&) {
            fail(self, id,
                 make_error(provision_code::general_error, "circuit breaker did not answer"));
          });
}

using removal_promise = caf::typed_response_promise<removal_result>;

/// Stops and deletes a managed container, frees its ports, forgets the engine, then answers.
void remove_managed(prov_actor* self, const std::string& id, bool engine, const std::string& reason,
                    std::function<void(removal_result)> done) {
  auto& d = self->state.deps;
  int stop_s = static_cast<int>(std::ceil(d.settings->docker.engine_stop_timeout.count() / 1000.0));
  self->request(d.removal_pool, std::chrono::seconds(stop_s + 60), docker_remove_atom::value, id,
                stop_s)
      .then(
          [self, done, id, engine, reason](docker::result<docker::done>& r) mutable {
            auto& d = self->state.deps;
            removal_result out;
            out.container_id = id;
            if (!r.ok()) {
              out.message = r.error().message;
              done(out);
              return;
            }
            caf::anon_send(d.allocator, release_ports_atom::value, id);
            ++self->state.removed;
            log::event(spdlog::level::info, "container.removed",
                       {{"container", id}, {"reason", reason}, {"engine", engine}});
            out.ok = true;
            if (!engine) {
              done(out);
              return;
            }
            // The registry is updated before the caller hears back.
            self->request(d.registry, std::chrono::seconds(10), engine_gone_atom::value, id)
                .then([done, out](const std::string&) mutable { done(out); },
                      [done, out](caf::error&) mutable { done(out); });
          },
          [done, id](caf::error&) mutable {
            removal_result out;
            out.container_id = id;
            out.message = "docker did not answer the removal in time";
            done(out);
          });
}

/// DELETE /containers/{id} and sizing removals: a known engine, or any managed container; an
/// unknown or unmanaged one is "not found".
caf::result<removal_result> remove(prov_actor* self, const std::string& key,
                                   const std::string& reason) {
  auto rp = self->make_response_promise<removal_result>();
  auto& d = self->state.deps;
  auto not_found = [](removal_promise rp) {
    removal_result out;
    out.not_found = true;
    out.message = "container not found";
    rp.deliver(out);
  };
  self->request(d.registry, std::chrono::seconds(10), engine_stopping_atom::value, key)
      .then(
          [self, key, reason, rp, not_found](const std::string& engine_id) mutable {
            if (!engine_id.empty())
              return remove_managed(self, engine_id, true, reason,
                                    [rp](removal_result r) mutable { rp.deliver(r); });
            self->request(self->state.deps.quick_pool, std::chrono::seconds(30),
                          docker_inspect_atom::value, key)
                .then(
                    [self, reason, rp,
                     not_found](docker::result<docker::container_details>& c) mutable {
                      const auto& label = self->state.settings().docker.container_label;
                      auto it = c.ok() ? c->labels.find(label.first) : decltype(c->labels.end()){};
                      if (!c.ok() || it == c->labels.end() || it->second != label.second)
                        return not_found(rp);
                      remove_managed(self, c->id, !docker::is_generic(c->labels), reason,
                                     [rp](removal_result r) mutable { rp.deliver(r); });
                    },
                    [rp](caf::error&) mutable {
                      removal_result out;
                      out.message = "docker did not answer";
                      rp.deliver(out);
                    });
          },
          [rp](caf::error&) mutable {
            removal_result out;
            out.message = "registry did not answer";
            rp.deliver(out);
          });
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
                             [](removal_result) {});
            },
            [](caf::error&) {});
  }
}

/// MAX_GENERIC_CONTAINERS: the generic containers that exist (Docker's list, stopped ones
/// included) and those being created count; beyond the cap the request is 409 max_capacity.
void admit_generic(prov_actor* self, operation op) {
  auto& st = self->state;
  const auto& label = st.settings().docker.container_label;
  docker::filters f{
      {"label", {label.first + "=" + label.second, std::string(docker::label_kind) + "=generic"}}};
  auto pending = std::make_shared<operation>(std::move(op));
  self->request(st.deps.quick_pool, std::chrono::seconds(30), docker_list_atom::value, f, true)
      .then(
          [self, pending](docker::result<std::vector<docker::container_summary>>& r) {
            auto& st = self->state;
            auto refuse = [&](provision_error e) {
              provision_result out;
              out.error = std::move(e);
              pending->rp.deliver(std::move(out));
            };
            if (!r.ok())
              return refuse(make_error(provision_code::docker_unavailable, r.error().message));
            auto in_flight = std::count_if(st.ops.begin(), st.ops.end(),
                                           [](const auto& o) { return !o.second.engine; });
            auto cap = st.settings().docker.max_generic_containers;
            if (static_cast<int>(r->size() + static_cast<size_t>(in_flight)) >= cap)
              return refuse(make_error(
                  provision_code::max_capacity,
                  "MAX_GENERIC_CONTAINERS (" + std::to_string(cap) +
                      ") generic containers exist or are being created; remove one first"));
            admit(self, std::move(*pending), true, std::nullopt);
          },
          [pending](caf::error&) {
            provision_result out;
            out.error =
                make_error(provision_code::docker_unavailable, "docker list did not answer");
            pending->rp.deliver(std::move(out));
          });
}

caf::behavior provisioner(prov_actor* self, provisioner_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.slots.resize(std::min(st.deps.workers.size(),
                           static_cast<size_t>(st.settings().docker.max_concurrent_provisions)));
  st.publish();
  return introspectable(
      self,
      caf::message_handler{
          [self](provision_engine_atom, engine_request& req) -> caf::result<provision_result> {
            auto& st = self->state;
            auto rp = self->make_response_promise<provision_result>();
            operation op;
            op.engine = true;
            op.image = req.image.value_or(st.settings().docker.target_image);
            op.counts_for_breaker = op.image == st.settings().docker.target_image;
            op.name_prefix = "acestream";
            op.rp = rp;
            if (auto bad = docker::check_caller_keys(st.settings(), req.labels, req.env)) {
              provision_result r;
              r.error = make_error(provision_code::invalid_request, *bad);
              rp.deliver(std::move(r));
              return rp;
            }
            if (auto it = req.env.find("CONF");
                it != req.env.end() && !docker::parse_conf_ports(it->second)) {
              provision_result r;
              r.error = make_error(provision_code::invalid_request,
                                   "CONF carries an invalid --http-port or --https-port");
              rp.deliver(std::move(r));
              return rp;
            }
            auto preclaimed = req.claim;
            bool limited = req.may_be_rate_limited();
            op.ereq = std::move(req);
            admit(self, std::move(op), limited, preclaimed);
            return rp;
          },
          [self](provision_generic_atom, generic_request& req) -> caf::result<provision_result> {
            auto& st = self->state;
            auto rp = self->make_response_promise<provision_result>();
            operation op;
            op.engine = false;
            op.image = req.image.value_or(st.settings().docker.target_image);
            op.name_prefix = req.name_prefix;
            op.rp = rp;
            const auto& mgmt = st.settings().docker.container_label.first;
            if (req.labels.count(mgmt) || req.labels.count(docker::label_kind)) {
              provision_result r;
              r.error = make_error(provision_code::invalid_request,
                                   "labels " + mgmt + " and acepool.kind are reserved by acepool");
              rp.deliver(std::move(r));
              return rp;
            }
            op.greq = std::move(req);
            admit_generic(self, std::move(op));
            return rp;
          },
          [self](op_step_atom, uint64_t id, int epoch) {
            auto* op = self->state.find(id, epoch);
            if (op == nullptr) return;
            switch (op->at) {
              case stage::spacing:
                return start_now(self, id);
              case stage::probing:
                return probe(self, id);
              case stage::backoff:
                return reserve_ports(self, id);
              default:
                return;
            }
          },
          [self](probe_result_atom, uint64_t id, int epoch, bool ready) {
            on_probe(self, id, epoch, ready);
          },
          [self](op_deadline_atom, uint64_t id) {
            auto* op = self->state.find(id);
            if (op == nullptr) return;
            auto seconds = self->state.settings().docker.provision_timeout.count() / 1000.0;
            auto why = "PROVISION_TIMEOUT_S (" + nlohmann::json(seconds).dump() +
                       " s) passed while " + to_string(op->at) +
                       (op->last_error.empty() ? "" : "; last error: " + op->last_error);
            self->state.queue.erase(
                std::remove(self->state.queue.begin(), self->state.queue.end(), id),
                self->state.queue.end());
            fail(self, id, make_error(provision_code::timeout, why));
          },
          [self](remove_container_atom, const std::string& key, const std::string& reason) {
            return remove(self, key, reason);
          },
          [self](reap_atom, const std::vector<docker::container_summary>& listed) {
            reap(self, listed);
          },
      });
}

}  // namespace

caf::actor spawn_provisioner(caf::actor_system& sys, actor_directory& directory,
                             provisioner_deps deps) {
  auto a = sys.spawn(provisioner, std::move(deps));
  directory.add(a, "provisioner", "provisioner");
  return a;
}

}  // namespace acepool::actors
