// The steps of one provisioning operation: image, ports, name, spacing, create + start,
// confirm running, readiness probes. Each step ends in the next one or in an outcome.
#include "actors/provisioning/provisioner_internal.hpp"

#include <cmath>

#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "docker/engine_spec.hpp"
#include "docker/swarm_json.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"

namespace acepool::actors::provisioning_detail {

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

/// Confirms the started container runs; a generic container is then done, an engine goes on to
/// its readiness probes.
void confirm_running(prov_actor* self, uint64_t id, int epoch, const std::string& container_id) {
  auto* op = self->state.find(id, epoch);
  if (op->at != stage::confirming)
    op->confirm_deadline = clock::now() + self->state.settings().docker.startup_timeout;
  op->at = stage::confirming;
  self->request(worker_of(self, *op), std::chrono::seconds(30), docker_inspect_atom::value,
                container_id)
      .then(
          [self, id, epoch](docker::result<docker::container_details>& d) {
            auto* op = self->state.find(id, epoch);
            if (op == nullptr) return;
            if (!d.ok()) return handle_docker_error(self, id, d.error());
            // A Swarm service's task is placed, its image prepared, then started:
            // "restarting" until then (a container of the daemon runs once started).
            bool on_its_way = d->status == "restarting";
            if (!d->running && on_its_way && clock::now() < op->confirm_deadline) {
              self->delayed_send(self, probe_interval, op_step_atom::value, id, epoch);
              return;
            }
            if (!d->running) {
              // No node may take it (drained, constraints, reservations): blocked, not broken.
              bool no_node = on_its_way && d->message.find("no suitable node") != std::string::npos;
              auto why = on_its_way ? "the engine's task did not start within STARTUP_TIMEOUT_S"
                                    : "container exited at start (exit code " +
                                          std::to_string(d->exit_code) + ")";
              if (!d->message.empty()) why += ": " + d->message;
              // No node may take it: a retry meets the same swarm, so answer now.
              if (no_node) return fail(self, id, make_error(provision_code::no_node, why));
              return transient(self, id, provision_code::general_error, why);
            }
            if (auto node = d->labels.find(docker::label_swarm_node); node != d->labels.end())
              op->node = node->second;
            if (auto addr = d->labels.find(docker::label_swarm_node_addr); addr != d->labels.end())
              op->node_addr = addr->second;
            if (!op->engine) {
              provision_result res;
              res.container_id = op->container_id;
              res.container_name = op->container_name;
              return succeed(self, id, std::move(res));
            }
            op->probe_deadline = clock::now() + self->state.settings().docker.engine_ready_timeout;
            op->at = stage::probing;
            probe(self, id);
          },
          [self, id](caf::error&) {
            transient(self, id, provision_code::general_error, "container inspect did not answer");
          });
}

/// The create + start itself (after spacing), then confirming it runs.
void start_now(prov_actor* self, uint64_t id) {
  auto& st = self->state;
  auto* op = st.find(id);
  if (op == nullptr) return;
  op->at = stage::starting;
  auto epoch = op->epoch;
  auto name = op->container_name;
  auto key = op->key;
  auto timeout = st.settings().docker.startup_timeout + std::chrono::seconds(30);
  self->request(worker_of(self, *op), timeout, docker_run_atom::value, spec_of(st, *op))
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
            confirm_running(self, id, epoch, *r);
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
  if (!op.node_addr.empty()) return op.node_addr;  // swarm mode: where its task runs
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
  bool queued = st.deps.http->get(url, timeout, [me, id, epoch](const support::http_result& r) {
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
  if (!op->node.empty()) {  // swarm mode: as a listing of the service reports it
    e.labels[docker::label_swarm_node] = op->node;
    e.labels[docker::label_swarm_node_addr] = op->node_addr;
  }
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

}  // namespace acepool::actors::provisioning_detail
