#include "tests/sim/swarm_sim.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

namespace acepool::sim {

using nlohmann::json;

namespace {

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
      1'000'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(nanos));
  return buf;
}

/// `acepool-sim engine --http-port=<port>` as a child that dies with this process.
int spawn_engine(const std::string& binary, uint16_t port) {
  pid_t pid = fork();
  if (pid != 0) return pid < 0 ? 0 : pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int fd = 3; fd < 1024; ++fd)
    close(fd);
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) dup2(null, STDOUT_FILENO);
  std::string port_arg = "--http-port=" + std::to_string(port);
  execl(binary.c_str(), binary.c_str(), "engine", port_arg.c_str(), static_cast<char*>(nullptr));
  _exit(127);
}

void kill_and_wait(int pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

/// The (target, published) ports of a service spec's host-mode endpoint.
std::vector<std::pair<int, int>> published_ports(const json& spec) {
  std::vector<std::pair<int, int>> out;
  auto ports = spec.value("/EndpointSpec/Ports"_json_pointer, json::array());
  for (const auto& p : ports)
    if (p.is_object()) out.emplace_back(p.value("TargetPort", 0), p.value("PublishedPort", 0));
  return out;
}

std::map<std::string, std::string> labels_of(const json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

bool matches_labels(const std::map<std::string, std::string>& labels,
                    const std::vector<std::string>& wanted) {
  for (const auto& w : wanted) {
    auto eq = w.find('=');
    auto key = w.substr(0, eq);
    auto it = labels.find(key);
    if (it == labels.end()) return false;
    if (eq != std::string::npos && it->second != w.substr(eq + 1)) return false;
  }
  return true;
}

std::map<std::string, std::vector<std::string>> parse_filters(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_array()) {
      for (const auto& x : v)
        if (x.is_string()) out[k].push_back(x.get<std::string>());
    } else if (v.is_object()) {  // the older {"value": true} form
      for (const auto& [x, on] : v.items())
        if (on == true) out[k].push_back(x);
    }
  }
  return out;
}

/// The attributes of a task container's events: its labels and its service.
json container_attributes(const nlohmann::json& service_spec, const std::string& service_id) {
  json attributes(
      labels_of(service_spec.value("/TaskTemplate/ContainerSpec/Labels"_json_pointer, json())));
  attributes["com.docker.swarm.service.id"] = service_id;
  return attributes;
}

response error(int status, const std::string& message) {
  return json_response(status, json{{"message", message}}.dump());
}

}  // namespace

swarm_sim::swarm_sim(asio::io_context& io, int nodes, std::string engine_binary, bool manager)
    : io_(io), engine_binary_(std::move(engine_binary)), manager_(manager), ticker_(io) {
  for (int i = 1; i <= nodes; ++i) {
    node n;
    n.id = "simnode" + std::to_string(i) + "xxxxxxxxxxxxxxxxxx";
    n.hostname = "sim-node-" + std::to_string(i);
    n.role = i == 1 ? "manager" : "worker";
    nodes_.push_back(n);
  }
  reconcile();
}

swarm_sim::~swarm_sim() {
  for (auto& [id, s] : services_)
    for (auto& t : s.tasks)
      kill_and_wait(t.pid);
}

std::string swarm_sim::next_id(const char* prefix) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%020llu", prefix, static_cast<unsigned long long>(next_id_++));
  return buf;
}

void swarm_sim::handle(const std::shared_ptr<connection>& c, request& r) {
  // The API version prefix (/v1.43) is optional, as with Docker.
  std::string path = r.path;
  if (path.size() > 3 && path.compare(0, 2, "/v") == 0 && std::isdigit(path[2])) {
    auto slash = path.find('/', 1);
    path = slash == std::string::npos ? "/" : path.substr(slash);
  }
  try {
    route(c, r, path);
  } catch (const std::exception& e) {
    c->reply(error(500, e.what()));
  }
}

void swarm_sim::route(const std::shared_ptr<connection>& c, request& r, const std::string& path) {
  auto starts = [&](const char* p) { return path.rfind(p, 0) == 0; };
  const bool get = r.method == "GET" || r.method == "HEAD";
  if (path == "/_ping") {
    response ok;
    ok.content_type = "text/plain";
    ok.body = "OK";
    return c->reply(ok);
  }
  if (path == "/version")
    return c->reply(json_response(
        200,
        json{{"Version", "24.0.0-swarm-sim"}, {"ApiVersion", "1.43"}, {"MinAPIVersion", "1.12"}}
            .dump()));
  if (path == "/info")
    return c->reply(json_response(200, json{{"Swarm",
                                             {{"NodeID", nodes_.front().id},
                                              {"LocalNodeState", "active"},
                                              {"ControlAvailable", manager_}}}}
                                           .dump()));
  if (starts("/images/") && get)
    return c->reply(json_response(
        200, json{{"Id", "sha256:swarm-sim"}, {"RepoTags", json::array({path.substr(8)})}}.dump()));
  if (path == "/images/create") return c->reply(json_response(200, "{}"));
  if (path == "/events") return subscribe(c, r);
  if (!manager_ && (starts("/services") || starts("/tasks") || starts("/nodes")))
    return c->reply(error(503,
                          "This node is not a swarm manager. Use \"docker swarm init\" or "
                          "\"docker swarm join\" to connect this node to swarm and try "
                          "again."));
  if (path == "/nodes" && get) {
    auto out = json::array();
    for (const auto& n : nodes_)
      out.push_back(node_json(n));
    return c->reply(json_response(200, out.dump()));
  }
  if (path == "/services" && get) {
    auto wanted = parse_filters(r.param("filters"))["label"];
    auto out = json::array();
    for (const auto& [id, s] : services_)
      if (matches_labels(labels_of(s.spec.value("Labels", json::object())), wanted))
        out.push_back(service_json(s));
    return c->reply(json_response(200, out.dump()));
  }
  if (path == "/services/create" && r.method == "POST") return c->reply(create_service(r.body));
  if (starts("/services/")) {
    auto rest = path.substr(10);
    auto slash = rest.find('/');
    auto ref = rest.substr(0, slash);
    auto* s = find_service(ref);
    if (s == nullptr) return c->reply(error(404, "service " + ref + " not found"));
    if (slash == std::string::npos && get)
      return c->reply(json_response(200, service_json(*s).dump()));
    if (slash == std::string::npos && r.method == "DELETE") return c->reply(remove_service(ref));
    if (rest.substr(slash + 1) == "update" && r.method == "POST")
      return c->reply(update_service(*s, r));
  }
  if (path == "/tasks" && get) {
    auto wanted = parse_filters(r.param("filters"))["service"];
    auto out = json::array();
    for (const auto& [id, s] : services_) {
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), id) == wanted.end()) continue;
      for (const auto& t : s.tasks)
        out.push_back(task_json(t, s));
    }
    return c->reply(json_response(200, out.dump()));
  }
  if (path == "/sim/swarm" && get) {
    auto out = json{{"nodes", json::array()}};
    for (const auto& n : nodes_) {
      auto running = json::array();
      for (const auto& [id, s] : services_)
        for (const auto& t : s.tasks)
          if (t.node_id == n.id && t.state == "running" && t.desired_state == "running")
            running.push_back(id);
      out["nodes"].push_back({{"id", n.id},
                              {"hostname", n.hostname},
                              {"state", n.state},
                              {"availability", n.availability},
                              {"services", running}});
    }
    return c->reply(json_response(200, out.dump()));
  }
  if (starts("/sim/swarm/nodes/") && r.method == "POST")
    return c->reply(set_node(path.substr(17), r));
  if (starts("/sim/swarm/services/") && r.method == "POST") {
    auto rest = path.substr(20);
    auto slash = rest.find('/');
    if (slash != std::string::npos && rest.substr(slash + 1) == "kill")
      return c->reply(kill_task(rest.substr(0, slash)));
  }
  c->reply(error(404, "page not found"));
}

response swarm_sim::create_service(const std::string& body) {
  auto spec = json::parse(body, nullptr, false);
  if (!spec.is_object() || !spec.contains("Name") || !spec["Name"].is_string())
    return error(400, "invalid service spec");
  for (const auto& [id, s] : services_)
    if (s.spec.value("Name", "") == spec["Name"])
      return error(409,
                   "rpc error: code = AlreadyExists desc = name conflicts with an existing "
                   "object");
  service s;
  s.id = next_id("svc");
  s.created = s.updated = now_rfc3339();
  s.spec = spec;
  auto& stored = services_[s.id] = std::move(s);
  emit("service", "create", stored.id, {{"name", stored.spec["Name"]}});
  start_task(stored);
  return json_response(201, json{{"ID", stored.id}, {"Warnings", nullptr}}.dump());
}

response swarm_sim::update_service(service& s, const request& r) {
  if (r.param("version") != std::to_string(s.version)) return error(400, "update out of sequence");
  auto spec = json::parse(r.body, nullptr, false);
  if (!spec.is_object()) return error(400, "invalid service spec");
  auto force = [](const json& j) { return j.value("/TaskTemplate/ForceUpdate"_json_pointer, 0); };
  bool replace = force(spec) != force(s.spec);
  s.spec = spec;
  ++s.version;
  s.updated = now_rfc3339();
  emit("service", "update", s.id, {{"name", s.spec.value("Name", "")}});
  if (replace) {
    if (auto* t = current(s)) end_task(*t, "shutdown", "shutdown");
    start_task(s);
  }
  return json_response(200, json{{"Warnings", nullptr}}.dump());
}

response swarm_sim::remove_service(const std::string& ref) {
  auto* s = find_service(ref);
  for (auto& t : s->tasks)
    kill_and_wait(t.pid), t.pid = 0;
  auto id = s->id;
  auto name = s->spec.value("Name", "");
  services_.erase(id);
  emit("service", "remove", id, {{"name", name}});
  return json_response(200, "");
}

response swarm_sim::set_node(const std::string& ref, const request& r) {
  auto* n = find_node(ref);
  if (n == nullptr) return error(404, "node " + ref + " not found");
  if (r.has("state")) n->state = r.param("state");
  if (r.has("availability")) n->availability = r.param("availability");
  emit("node", "update", n->id, {{"name", n->hostname}, {"state.new", n->state}});
  for (auto& [id, s] : services_) {
    auto* t = current(s);
    if (t == nullptr || t->node_id != n->id) continue;
    if (n->state != "ready") {
      // The machine is gone: its engine with it. The manager still believes the task runs
      // (it cannot hear from the node), wants it shut down, and starts another elsewhere.
      kill_and_wait(t->pid);
      t->pid = 0;
      t->desired_state = "shutdown";
      t->updated = now_rfc3339();
      start_task(s);
    } else if (n->availability == "drain") {
      end_task(*t, "shutdown", "shutdown");
      start_task(s);
    }
  }
  // Back: what it still ran is shut down now that the manager hears from it.
  if (n->state == "ready")
    for (auto& [id, s] : services_)
      for (auto& t : s.tasks)
        if (t.node_id == n->id && t.desired_state == "shutdown" && t.state == "running")
          t.state = "shutdown", t.updated = now_rfc3339();
  return json_response(200, node_json(*n).dump());
}

response swarm_sim::kill_task(const std::string& ref) {
  auto* s = find_service(ref);
  if (s == nullptr) return error(404, "service " + ref + " not found");
  auto* t = current(*s);
  if (t == nullptr || t->pid <= 0) return error(409, "no running task");
  kill(t->pid, SIGKILL);  // reconcile() reaps it as a failure, as Docker would report one
  return json_response(200, "{}");
}

void swarm_sim::start_task(service& s) {
  task t;
  t.id = next_id("task");
  t.service_id = s.id;
  t.created = t.updated = now_rfc3339();
  s.restart_at.reset();
  std::string why;
  const auto* n = choose_node(s, why);
  if (n == nullptr) {
    t.state = "pending";
    t.err = "no suitable node (" + why + ")";
    s.tasks.push_back(std::move(t));
    return;
  }
  t.node_id = n->id;
  auto ports = published_ports(s.spec);
  // A service without a published port (a test's filler) runs without an engine process.
  t.pid = ports.empty() ? 0 : spawn_engine(engine_binary_, static_cast<uint16_t>(ports[0].second));
  t.state = t.pid > 0 || ports.empty() ? "running" : "failed";
  if (t.state == "failed") t.err = "cannot start the engine";
  auto attributes = container_attributes(s.spec, s.id);
  attributes["name"] = s.spec.value("Name", "") + "." + t.id;
  emit("container", "start", "ctr" + t.id, attributes);
  s.tasks.push_back(std::move(t));
}

void swarm_sim::end_task(task& t, const std::string& state, const std::string& desired) {
  kill_and_wait(t.pid);
  t.pid = 0;
  t.state = state;
  t.desired_state = desired;
  t.updated = now_rfc3339();
}

const swarm_sim::node* swarm_sim::choose_node(const service& s, std::string& why_none) const {
  std::vector<std::string> constraints;
  for (const auto& c :
       s.spec.value("/TaskTemplate/Placement/Constraints"_json_pointer, json::array()))
    if (c.is_string()) constraints.push_back(c.get<std::string>());
  const node* best = nullptr;
  int best_load = 0, unavailable = 0, unsatisfied = 0;
  for (const auto& n : nodes_) {
    if (n.state != "ready" || n.availability != "active") {
      ++unavailable;
      continue;
    }
    if (!std::all_of(constraints.begin(), constraints.end(),
                     [&](const std::string& c) { return satisfies(n, c); })) {
      ++unsatisfied;
      continue;
    }
    int load = 0;
    for (const auto& [id, other] : services_)
      for (const auto& t : other.tasks)
        if (t.node_id == n.id && t.desired_state == "running") ++load;
    if (best == nullptr || load < best_load) best = &n, best_load = load;
  }
  if (best == nullptr)
    why_none = std::to_string(unavailable) +
               " nodes not available for new tasks; scheduling "
               "constraints not satisfied on " +
               std::to_string(unsatisfied) + " nodes";
  return best;
}

bool swarm_sim::satisfies(const node& n, const std::string& constraint) const {
  bool equal = constraint.find("==") != std::string::npos;
  auto op = constraint.find(equal ? "==" : "!=");
  if (op == std::string::npos) return false;
  auto key = constraint.substr(0, op), value = constraint.substr(op + 2);
  std::string actual;
  if (key == "node.id")
    actual = n.id;
  else if (key == "node.hostname")
    actual = n.hostname;
  else if (key == "node.role")
    actual = n.role;
  else
    return !equal;  // a label this fake's nodes do not have
  return (actual == value) == equal;
}

void swarm_sim::reconcile() {
  int status = 0;
  for (pid_t pid; (pid = waitpid(-1, &status, WNOHANG)) > 0;) {
    for (auto& [id, s] : services_)
      for (auto& t : s.tasks) {
        if (t.pid != pid) continue;
        t.pid = 0;
        t.state = "failed";
        t.desired_state = "shutdown";
        t.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        t.err = "task: non-zero exit (" + std::to_string(t.exit_code) + ")";
        t.updated = now_rfc3339();
        auto attributes = container_attributes(s.spec, s.id);
        attributes["exitCode"] = std::to_string(t.exit_code);
        emit("container", "die", "ctr" + t.id, attributes);
        auto delay = std::chrono::nanoseconds(
            s.spec.value("/TaskTemplate/RestartPolicy/Delay"_json_pointer, int64_t{0}));
        if (s.spec.value("/TaskTemplate/RestartPolicy/Condition"_json_pointer,
                         std::string("any")) != "none")
          s.restart_at = std::chrono::steady_clock::now() +
                         std::chrono::duration_cast<std::chrono::steady_clock::duration>(delay);
      }
  }
  auto now = std::chrono::steady_clock::now();
  for (auto& [id, s] : services_) {
    // As swarmkit does, the replacement exists at once, assigned to a node and held `ready`
    // (desired `ready`) until the restart delay has passed.
    auto waiting = std::find_if(s.tasks.begin(), s.tasks.end(),
                                [](const task& t) { return t.desired_state == "ready"; });
    if (s.restart_at && waiting == s.tasks.end()) {
      task next;
      next.id = next_id("task");
      next.service_id = s.id;
      next.created = next.updated = now_rfc3339();
      next.state = next.desired_state = "ready";
      std::string why;
      if (const auto* n = choose_node(s, why)) next.node_id = n->id;
      s.tasks.push_back(std::move(next));
      waiting = std::prev(s.tasks.end());
    }
    auto* t = current(s);
    bool pending = t != nullptr && t->state == "pending";
    bool restart_due = s.restart_at && *s.restart_at <= now;
    if (pending || restart_due) {
      if (pending) s.tasks.pop_back();  // Swarm keeps one pending task and retries it
      if (restart_due && waiting != s.tasks.end()) s.tasks.erase(waiting);
      start_task(s);
    }
  }
  ticker_.expires_after(std::chrono::milliseconds(100));
  ticker_.async_wait([this](const asio::error_code& ec) {
    if (!ec) reconcile();
  });
}

void swarm_sim::subscribe(const std::shared_ptr<connection>& c, const request& r) {
  auto sub = std::make_shared<subscriber>();
  sub->c = c;
  sub->filters = parse_filters(r.param("filters"));
  sub->queue.push_back(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
  subscribers_.push_back(sub);
  c->watch_for_close([this, sub] {
    subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), sub),
                       subscribers_.end());
  });
  flush(sub);
}

void swarm_sim::emit(const std::string& type, const std::string& action, const std::string& id,
                     json attributes) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  json e{{"Type", type},
         {"Action", action},
         {"Actor", {{"ID", id}, {"Attributes", attributes}}},
         {"time", std::chrono::duration_cast<std::chrono::seconds>(now).count()},
         {"timeNano", std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()}};
  auto line = e.dump() + "\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", line.size());
  for (const auto& sub : subscribers_) {
    auto types = sub->filters["type"];
    if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) continue;
    if (!matches_labels(labels_of(attributes), sub->filters["label"])) continue;
    sub->queue.push_back(size + line + "\r\n");
    flush(sub);
  }
}

void swarm_sim::flush(const std::shared_ptr<subscriber>& s) {
  if (s->writing || s->queue.empty() || s->c->closed()) return;
  s->writing = true;
  auto text = std::make_shared<std::string>(std::move(s->queue.front()));
  s->queue.pop_front();
  asio::async_write(s->c->socket(), asio::buffer(*text),
                    [this, s, text](const asio::error_code& ec, size_t) {
                      s->writing = false;
                      if (ec) return s->c->close();
                      flush(s);
                    });
}

swarm_sim::service* swarm_sim::find_service(const std::string& ref) {
  for (auto& [id, s] : services_)
    if (id == ref || s.spec.value("Name", "") == ref) return &s;
  return nullptr;
}

swarm_sim::node* swarm_sim::find_node(const std::string& ref) {
  for (auto& n : nodes_)
    if (n.id == ref || n.hostname == ref) return &n;
  return nullptr;
}

swarm_sim::task* swarm_sim::current(service& s) {
  for (auto it = s.tasks.rbegin(); it != s.tasks.rend(); ++it)
    if (it->desired_state == "running") return &*it;
  return nullptr;
}

json swarm_sim::service_json(const service& s) const {
  return {{"ID", s.id},
          {"Version", {{"Index", s.version}}},
          {"CreatedAt", s.created},
          {"UpdatedAt", s.updated},
          {"Spec", s.spec}};
}

json swarm_sim::task_json(const task& t, const service& s) const {
  json status{{"Timestamp", t.updated},
              {"State", t.state},
              {"Message", t.state},
              {"ContainerStatus", {{"ContainerID", "ctr" + t.id}, {"ExitCode", t.exit_code}}}};
  if (!t.err.empty()) status["Err"] = t.err;
  if (t.state == "running") {
    auto ports = json::array();
    for (const auto& [target, published] : published_ports(s.spec))
      ports.push_back({{"Protocol", "tcp"},
                       {"TargetPort", target},
                       {"PublishedPort", published},
                       {"PublishMode", "host"}});
    status["PortStatus"] = {{"Ports", ports}};
  }
  json j{{"ID", t.id},
         {"ServiceID", t.service_id},
         {"DesiredState", t.desired_state},
         {"CreatedAt", t.created},
         {"UpdatedAt", t.updated},
         {"Status", status}};
  if (!t.node_id.empty()) j["NodeID"] = t.node_id;
  return j;
}

json swarm_sim::node_json(const node& n) const {
  json j{{"ID", n.id},
         {"Description", {{"Hostname", n.hostname}}},
         {"Spec", {{"Role", n.role}, {"Availability", n.availability}, {"Labels", json::object()}}},
         {"Status", {{"State", n.state}, {"Addr", "127.0.0.1"}}}};
  if (n.role == "manager") j["ManagerStatus"] = {{"Leader", true}, {"Addr", "127.0.0.1:2377"}};
  return j;
}

}  // namespace acepool::sim
