#include "docker/swarm_json.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include "docker/docker_json.hpp"
#include "docker/engine_spec.hpp"
#include "docker/json_fields.hpp"
#include "support/time_format.hpp"

namespace acepool::docker {

using fields::integer;
using fields::member;
using fields::port_number;
using fields::string_map;
using fields::text;
using nlohmann::json;

namespace {

/// `"6878/tcp"` → (6878, "tcp"); (0, "") when it is not a port.
std::pair<uint16_t, std::string> port_key(const std::string& key) {
  auto slash = key.find('/');
  auto port = port_number(key.substr(0, slash));
  if (port == 0) return {0, ""};
  return {port, slash == std::string::npos ? "tcp" : key.substr(slash + 1)};
}

bool on_its_way(const std::string& state) {
  static const char* const before_running[] = {"new",      "allocated", "pending", "assigned",
                                               "accepted", "preparing", "ready",   "starting"};
  return std::any_of(std::begin(before_running), std::end(before_running),
                     [&](const char* s) { return state == s; });
}

/// `[{TargetPort, PublishedPort, Protocol}]` (a task's PortStatus or a service's EndpointSpec)
/// as the ports published on a node, host ip left empty.
port_map published_ports(const json* ports) {
  port_map out;
  if (ports == nullptr || !ports->is_array()) return out;
  for (const auto& p : *ports) {
    auto target = port_number(integer(p, "TargetPort"));
    auto published = port_number(integer(p, "PublishedPort"));
    if (target == 0 || published == 0) continue;
    out[std::to_string(target) + "/" + text(p, "Protocol", "tcp")].push_back({"", published});
  }
  return out;
}

const json& object_at(const json& j, const char* key) {
  static const json empty = json::object();
  const auto* m = member(j, key);
  return m != nullptr && m->is_object() ? *m : empty;
}

}  // namespace

json service_create_body(const container_spec& spec, const swarm_placement& placement,
                         const std::vector<std::string>& extra_constraints) {
  json container{{"Image", spec.image}, {"Labels", spec.labels}, {"Env", spec.env}};
  if (!spec.cmd.empty()) container["Args"] = spec.cmd;
  if (spec.healthcheck) container["HealthCheck"] = healthcheck_body(*spec.healthcheck);
  json limits = json::object();
  if (spec.memory_bytes) limits["MemoryBytes"] = *spec.memory_bytes;
  if (spec.nano_cpus) limits["NanoCPUs"] = *spec.nano_cpus;
  // An engine's task is Swarm's to keep running (a lost node's engine starts elsewhere; acepool
  // still removes the service of an engine it finds unhealthy); any other container runs once,
  // as its restart policy says.
  bool engine = is_engine(spec.labels);
  auto constraints = placement.constraints;
  constraints.insert(constraints.end(), extra_constraints.begin(), extra_constraints.end());
  container["StopGracePeriod"] =
      std::chrono::duration_cast<std::chrono::nanoseconds>(placement.stop_grace).count();
  json task{{"ContainerSpec", container},
            {"RestartPolicy",
             {{"Condition", engine ? "any" : "none"},
              {"Delay", std::chrono::nanoseconds(std::chrono::seconds(5)).count()}}},
            {"Resources", {{"Limits", limits}, {"Reservations", limits}}},
            {"Placement", {{"Constraints", constraints}}}};
  if (spec.network_mode) task["Networks"] = json::array({{{"Target", *spec.network_mode}}});
  json ports = json::array();
  for (const auto& [key, bindings] : spec.ports) {
    auto [target, protocol] = port_key(key);
    if (target == 0) continue;
    for (const auto& b : bindings)
      ports.push_back({{"Protocol", protocol},
                       {"TargetPort", target},
                       {"PublishedPort", b.host_port},
                       {"PublishMode", "host"}});
  }
  return {{"Name", spec.name},
          {"Labels", spec.labels},
          {"TaskTemplate", task},
          {"Mode", {{"Replicated", {{"Replicas", 1}}}}},
          {"EndpointSpec", {{"Mode", "dnsrr"}, {"Ports", ports}}}};
}

std::vector<swarm_service> parse_services(const json& body) {
  std::vector<swarm_service> out;
  if (!body.is_array()) return out;
  for (const auto& row : body) {
    if (text(row, "ID").empty()) continue;
    const auto& spec = object_at(row, "Spec");
    swarm_service s;
    s.id = text(row, "ID");
    s.name = text(spec, "Name");
    s.image = text(object_at(object_at(spec, "TaskTemplate"), "ContainerSpec"), "Image");
    s.created = text(row, "CreatedAt");
    s.labels = string_map(member(spec, "Labels"));
    s.ports = published_ports(member(object_at(spec, "EndpointSpec"), "Ports"));
    s.restart_condition =
        text(object_at(object_at(spec, "TaskTemplate"), "RestartPolicy"), "Condition", "any");
    const auto& replicated = object_at(object_at(spec, "Mode"), "Replicated");
    if (const auto* replicas = member(replicated, "Replicas");
        replicas != nullptr && replicas->is_number_integer())
      s.replicas = integer(replicated, "Replicas");
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<swarm_task> parse_tasks(const json& body) {
  std::vector<swarm_task> out;
  if (!body.is_array()) return out;
  for (const auto& row : body) {
    if (text(row, "ID").empty()) continue;
    const auto& status = object_at(row, "Status");
    swarm_task t;
    t.id = text(row, "ID");
    t.service_id = text(row, "ServiceID");
    t.node_id = text(row, "NodeID");
    t.state = text(status, "State");
    t.desired_state = text(row, "DesiredState");
    t.message = text(status, "Err", text(status, "Message").c_str());
    t.container_id = text(object_at(status, "ContainerStatus"), "ContainerID");
    t.exit_code = static_cast<int>(integer(object_at(status, "ContainerStatus"), "ExitCode"));
    t.updated = text(row, "UpdatedAt");
    t.ports = published_ports(member(object_at(status, "PortStatus"), "Ports"));
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<swarm_node> parse_nodes(const json& body) {
  std::vector<swarm_node> out;
  if (!body.is_array()) return out;
  std::set<std::string> seen;
  for (const auto& row : body) {
    // A node listed twice is one node.
    if (text(row, "ID").empty() || !seen.insert(text(row, "ID")).second) continue;
    const auto& spec = object_at(row, "Spec");
    const auto& status = object_at(row, "Status");
    swarm_node n;
    n.id = text(row, "ID");
    n.hostname = text(object_at(row, "Description"), "Hostname");
    n.state = text(status, "State");
    n.availability = text(spec, "Availability");
    n.role = text(spec, "Role");
    n.labels = string_map(member(spec, "Labels"));
    n.addr = text(status, "Addr");
    // A manager may report 0.0.0.0 here: its advertised address is the one its ports answer on.
    if (n.addr.empty() || n.addr == "0.0.0.0") {
      auto manager = text(object_at(row, "ManagerStatus"), "Addr");
      n.addr = manager.substr(0, manager.rfind(':'));
    }
    out.push_back(std::move(n));
  }
  return out;
}

bool task_ended(const swarm_task& t) {
  static const char* const ended[] = {"complete", "failed",   "shutdown",
                                      "rejected", "orphaned", "remove"};
  return std::any_of(std::begin(ended), std::end(ended),
                     [&](const char* s) { return t.state == s; });
}

const swarm_task* current_task(const std::vector<swarm_task>& tasks) {
  const swarm_task* best = nullptr;
  auto rank = [](const swarm_task& t) { return t.desired_state == "running" ? 1 : 0; };
  // Docker trims a timestamp's trailing zeros: compare instants, not text.
  auto updated = [](const swarm_task& t) {
    return support::parse_rfc3339(t.updated).value_or(support::wall_clock::time_point{});
  };
  for (const auto& t : tasks) {
    if (best == nullptr || rank(t) > rank(*best) ||
        (rank(t) == rank(*best) && updated(t) > updated(*best)))
      best = &t;
  }
  return best;
}

container_summary service_as_container(const swarm_service& service, const swarm_task* task,
                                       const swarm_node* node) {
  container_summary c;
  c.id = service.id;
  c.name = service.name;
  c.image = service.image;
  c.labels = service.labels;
  if (auto created = support::parse_rfc3339(service.created))
    c.created =
        std::chrono::duration_cast<std::chrono::seconds>(created->time_since_epoch()).count();
  c.ports = service.ports;
  if (task == nullptr) {
    c.state = "restarting";  // Swarm makes the task of a new service
    c.status = "no task yet";
    return c;
  }
  // A task Swarm wants running but that is not (yet, or again: restarting after a failure,
  // moving off a lost node) is "restarting": the engine is neither usable nor dead.
  // Between a task's end and its replacement (the restart delay) Swarm shows only the ended
  // task: the policy says whether another comes.
  // (A task shut down by Swarm, e.g. on a service update, is followed by a new one wanted
  // running; a service scaled to 0 gets none.)
  bool restarts = service.replicas > 0 &&
                  (service.restart_condition == "any" ||
                   (service.restart_condition == "on-failure" && task->state == "failed"));
  bool crashed = task->state == "complete" || task->state == "failed" || task->state == "rejected";
  bool wanted = service.replicas > 0 && (task->desired_state == "running" ||
                                         on_its_way(task->state) || (crashed && restarts));
  c.state = task->state == "running" ? "running" : wanted ? "restarting" : "exited";
  c.status = task->state + (task->message.empty() ? "" : ": " + task->message);
  if (!task->ports.empty()) c.ports = task->ports;
  if (node != nullptr) {
    c.labels[label_swarm_node] = node->id;
    c.labels[label_swarm_node_addr] = node->addr;
    for (auto& [key, bindings] : c.ports)
      for (auto& b : bindings)
        b.host_ip = node->addr;
  }
  return c;
}

}  // namespace acepool::docker
