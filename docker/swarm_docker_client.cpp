#include "docker/swarm_docker_client.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "docker/docker_json.hpp"
#include "docker/engine_spec.hpp"
#include "docker/json_fields.hpp"
#include "docker/swarm_node_cap.hpp"
#include "support/text_safety.hpp"

namespace acepool::docker {

using nlohmann::json;

namespace {

docker_error refused(const curl_docker_client::reply& r) {
  auto e = classify_http_error(static_cast<int>(r.status), docker_message(r.body));
  // A worker's daemon (or a node that left the swarm) cannot run services: for acepool that is
  // Docker being unavailable, not a failed engine.
  if (r.status == 503 && e.message.find("not a swarm manager") != std::string::npos)
    e.code = docker_errc::daemon_unreachable;
  return e;
}

/// The member at `path` below `j`, or null where one is missing.
const json* at_path(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    at = fields::member(*at, key);
    if (at == nullptr) return nullptr;
  }
  return at;
}

/// Capped creations of this process, one at a time (each worker has a client of its own).
std::timed_mutex capped_creation;

const swarm_node* node_by_id(const std::vector<swarm_node>& nodes, const std::string& id) {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

}  // namespace

swarm_docker_client::swarm_docker_client(std::unique_ptr<curl_docker_client> daemon,
                                         swarm_placement placement)
    : daemon_(std::move(daemon)), placement_(std::move(placement)) {}

result<std::string> swarm_docker_client::service_path(const std::string& id) {
  // Anything else cannot name a service, and never becomes part of an API path.
  if (!is_container_reference(id))
    return docker_error{docker_errc::not_found, 404, "no such service: " + id};
  return "/services/" + daemon_->escape(id);
}

result<json> swarm_docker_client::get_json(const std::string& path) {
  auto r = daemon_->versioned("GET", path, nullptr, daemon_->call_timeout());
  if (!r) return r.error();
  if (r->status != 200) return refused(*r);
  auto j = json::parse(r->body, nullptr, false);
  if (j.is_discarded())
    return docker_error{docker_errc::other, static_cast<int>(r->status),
                        "the daemon answered " + path + " with text that is not JSON"};
  return j;
}

result<std::vector<swarm_task>> swarm_docker_client::tasks_of(
    const std::vector<std::string>& service_ids) {
  // In batches: every id is part of the query string, which a daemon limits (about 1 MB).
  constexpr size_t batch = 200;
  std::vector<swarm_task> out;
  for (size_t at = 0; at < service_ids.size(); at += batch) {
    std::vector<std::string> ids(service_ids.begin() + static_cast<std::ptrdiff_t>(at),
                                 service_ids.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                           at + batch, service_ids.size())));
    auto j =
        get_json("/tasks?filters=" + daemon_->escape(support::dump_json(json{{"service", ids}})));
    if (!j) return j.error();
    auto tasks = parse_tasks(*j);
    out.insert(out.end(), std::make_move_iterator(tasks.begin()),
               std::make_move_iterator(tasks.end()));
  }
  return out;
}

result<std::vector<swarm_node>> swarm_docker_client::nodes() {
  auto j = get_json("/nodes");
  if (!j) return j.error();
  return parse_nodes(*j);
}

result<std::string> swarm_docker_client::own_node_id() {
  if (own_node_id_) return *own_node_id_;
  auto info = get_json("/info");
  if (!info) return info.error();
  const auto* id = at_path(*info, {"Swarm", "NodeID"});
  auto found = id != nullptr && id->is_string() ? id->get<std::string>() : std::string();
  // Not in a swarm yet: ask again next time.
  if (!found.empty()) own_node_id_ = found;
  return found;
}

result<std::vector<swarm_node>> swarm_docker_client::list_nodes() {
  auto listed = nodes();
  if (!listed || !placement_.daemon_is_local) return listed;
  auto own = own_node_id();
  if (!own) return own.error();
  for (auto& n : *listed)
    n.local = !own->empty() && n.id == *own;
  return listed;
}

result<done> swarm_docker_client::ping() {
  auto pong = daemon_->ping();
  if (!pong) return pong;
  // Only a manager answers for services, tasks and nodes: say so, not "unreachable".
  auto info = get_json("/info");
  if (!info) return info.error();
  const auto* control = at_path(*info, {"Swarm", "ControlAvailable"});
  if (control == nullptr || *control != true) {
    const auto* state = at_path(*info, {"Swarm", "LocalNodeState"});
    return docker_error{docker_errc::other, 200,
                        "DOCKER_HOST is not a swarm manager (ORCHESTRATOR=swarm needs one; its "
                        "swarm state: " +
                            (state != nullptr && state->is_string() ? state->get<std::string>()
                                                                    : std::string("unknown")) +
                            ")"};
  }
  return done{};
}

result<version_info> swarm_docker_client::version() {
  return daemon_->version();
}

result<std::vector<swarm_docker_client::service_now>> swarm_docker_client::services_now(
    const std::vector<std::string>& labels) {
  std::string path = "/services";
  if (!labels.empty())
    path += "?filters=" + daemon_->escape(support::dump_json(json{{"label", labels}}));
  auto listed = get_json(path);
  if (!listed) return listed.error();
  auto services = parse_services(*listed);
  std::vector<std::string> ids;
  ids.reserve(services.size());
  for (const auto& s : services)
    ids.push_back(s.id);
  auto tasks = tasks_of(ids);
  if (!tasks) return tasks.error();
  std::map<std::string, std::vector<swarm_task>> by_service;
  for (auto& t : *tasks)
    by_service[t.service_id].push_back(std::move(t));
  std::vector<service_now> out;
  out.reserve(services.size());
  for (auto& s : services) {
    const auto* task = current_task(by_service[s.id]);
    out.push_back({std::move(s), task ? std::optional<swarm_task>(*task) : std::nullopt});
  }
  return out;
}

result<std::vector<container_summary>> swarm_docker_client::list_containers(const filters& f,
                                                                            bool all) {
  auto it = f.find("label");
  auto services = services_now(it != f.end() ? it->second : std::vector<std::string>{});
  if (!services) return services.error();
  auto known_nodes = nodes();
  if (!known_nodes) return known_nodes.error();
  std::vector<container_summary> out;
  for (const auto& [service, task] : *services) {
    auto c = service_as_container(service, task ? &*task : nullptr,
                                  task ? node_by_id(*known_nodes, task->node_id) : nullptr);
    if (all || c.state == "running") out.push_back(std::move(c));
  }
  return out;
}

result<std::string> swarm_docker_client::create_container(const container_spec& spec) {
  bool capped = placement_.max_engines_per_node > 0 && is_engine(spec.labels);
  std::unique_lock<std::timed_mutex> one_at_a_time(capped_creation, std::defer_lock);
  if (capped && !one_at_a_time.try_lock_for(daemon_->call_timeout()))
    return docker_error{docker_errc::timeout, 0,
                        "another engine's placement (MAX_REPLICAS_PER_NODE) took too long"};
  // A swarm where no node takes tasks would keep the service pending: say so at once.
  auto known_nodes = nodes();
  if (!known_nodes) return known_nodes.error();
  std::map<std::string, int> engines_on;
  if (capped) {
    auto counted = engines_per_node();
    if (!counted) return counted.error();
    engines_on = std::move(*counted);
  }
  swarm_node_cap cap(capped ? placement_.max_engines_per_node : 0);
  auto decision = cap.place(*known_nodes, engines_on);
  if (!decision.room) return docker_error{docker_errc::no_node, 0, decision.why_not};
  auto id = create_service(spec, decision.exclusions);
  if (id && capped) await_placement(*id);
  return id;
}

result<std::string> swarm_docker_client::create_service(
    const container_spec& spec, const std::vector<std::string>& extra_constraints) {
  auto body = support::dump_json(service_create_body(spec, placement_, extra_constraints));
  auto r = daemon_->versioned("POST", "/services/create", &body, daemon_->call_timeout());
  if (!r) return r.error();
  if (r->status != 201) return refused(*r);
  auto id = json_text(json::parse(r->body, nullptr, false), "ID");
  if (id.empty())
    return docker_error{docker_errc::other, static_cast<int>(r->status),
                        "service create answered without an ID"};
  return id;
}

result<std::map<std::string, int>> swarm_docker_client::engines_per_node() {
  auto services = services_now({std::string(label_kind) + "=engine"});
  if (!services) return services.error();
  // Each engine where its current task is, running or on its way (a replacement waiting out
  // its restart delay keeps the place).
  std::map<std::string, int> on;
  for (const auto& [service, task] : *services)
    if (task && !task->node_id.empty() && !task_ended(*task)) ++on[task->node_id];
  return on;
}

void swarm_docker_client::await_placement(const std::string& service_id) {
  // Swarm's scheduler assigns a node within milliseconds; a task it cannot place never gets
  // one (the provisioner reports that), so the wait is short and bounded.
  for (int i = 0; i < 40; ++i) {
    auto tasks = tasks_of({service_id});
    if (!tasks) return;
    if (const auto* t = current_task(*tasks); t != nullptr && !t->node_id.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

result<done> swarm_docker_client::start_container(const std::string&) {
  return done{};
}

result<container_details> swarm_docker_client::inspect_container(const std::string& id) {
  auto path = service_path(id);
  if (!path) return path.error();
  auto j = get_json(*path);
  if (!j) return j.error();
  auto services = parse_services(json::array({*j}));
  if (services.empty()) return docker_error{docker_errc::other, 200, "service without an ID"};
  auto tasks = tasks_of({services.front().id});
  if (!tasks) return tasks.error();
  const auto* task = current_task(*tasks);
  std::vector<swarm_node> known_nodes;
  if (task != nullptr) {
    auto n = nodes();
    if (!n) return n.error();
    known_nodes = std::move(*n);
  }
  auto c = service_as_container(services.front(), task,
                                task ? node_by_id(known_nodes, task->node_id) : nullptr);
  container_details d;
  d.id = c.id;
  d.name = c.name;
  d.image = c.image;
  d.created = services.front().created;
  d.status = c.state;
  d.running = c.state == "running";
  d.labels = c.labels;
  d.ports = c.ports;
  if (const auto* env = at_path(*j, {"Spec", "TaskTemplate", "ContainerSpec", "Env"});
      env != nullptr && env->is_array())
    for (const auto& e : *env)
      if (e.is_string()) d.env.push_back(e.get<std::string>());
  if (task != nullptr) {
    d.started_at = task->updated;
    d.message = task->message;
    d.exit_code = task->exit_code;
  }
  return d;
}

result<done> swarm_docker_client::stop_container(const std::string&, int) {
  return done{};
}

result<done> swarm_docker_client::remove_container(const std::string& id, bool) {
  auto path = service_path(id);
  if (!path) return path.error();
  auto r = daemon_->versioned("DELETE", *path, nullptr, daemon_->call_timeout());
  if (!r) return r.error();
  if (r->status != 200 && r->status != 204) return refused(*r);
  return done{};
}

result<done> swarm_docker_client::restart_container(const std::string& id, int) {
  auto path = service_path(id);
  if (!path) return path.error();
  auto j = get_json(*path);
  if (!j) return j.error();
  const auto* spec = at_path(*j, {"Spec"});
  const auto* version = at_path(*j, {"Version", "Index"});
  const auto* task = at_path(*j, {"Spec", "TaskTemplate"});
  if (spec == nullptr || !spec->is_object() || task == nullptr || !task->is_object() ||
      version == nullptr || !version->is_number_unsigned())
    return docker_error{docker_errc::other, 200, "service without a spec or version"};
  auto updated = *spec;
  // Swarm replaces a service's task when ForceUpdate changes.
  updated["TaskTemplate"]["ForceUpdate"] = fields::integer(*task, "ForceUpdate") + 1;
  auto body = support::dump_json(updated);
  auto r = daemon_->versioned("POST",
                              *path + "/update?version=" + std::to_string(version->get<uint64_t>()),
                              &body, daemon_->call_timeout());
  if (!r) return r.error();
  if (r->status != 200) return refused(*r);
  return done{};
}

result<image_info> swarm_docker_client::inspect_image(const std::string& ref) {
  return daemon_->inspect_image(ref);
}

result<done> swarm_docker_client::pull_image(const std::string& ref) {
  return daemon_->pull_image(ref);
}

}  // namespace acepool::docker
