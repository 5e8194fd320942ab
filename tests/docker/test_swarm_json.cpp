#include <catch2/catch.hpp>

#include "docker/swarm_json.hpp"

using namespace acepool::docker;
using nlohmann::json;

namespace {

container_spec engine_spec_for_test() {
  container_spec s;
  s.name = "acestream-7";
  s.image = "acepool/sim:latest";
  s.cmd = {"engine"};
  s.labels = {{"orchestrator.managed", "acestream"},
              {"acestream.http_port", "6878"},
              {"acepool.kind", "engine"}};
  s.env = {"HTTP_PORT=6878"};
  s.ports["6878/tcp"] = {{"127.0.0.1", 19007}};
  s.memory_bytes = 512ull << 20;
  s.healthcheck =
      healthcheck_spec{{"CMD", "/x"}, std::chrono::seconds(2), std::chrono::seconds(1), 1, {}};
  return s;
}

}  // namespace

TEST_CASE("swarm: an engine is a service of one replica, its port published on its node") {
  swarm_placement p;
  p.constraints = {"node.labels.acepool==engines"};
  p.stop_grace = std::chrono::seconds(3);
  auto spec = engine_spec_for_test();
  spec.nano_cpus = 1'500'000'000;
  auto b = service_create_body(spec, p, {"node.id!=n2"});
  CHECK(b["Name"] == "acestream-7");
  CHECK(b["Labels"]["orchestrator.managed"] == "acestream");
  CHECK(b["Mode"] == json{{"Replicated", {{"Replicas", 1}}}});
  const auto& task = b["TaskTemplate"];
  CHECK(task["ContainerSpec"]["Image"] == "acepool/sim:latest");
  CHECK(task["ContainerSpec"]["Args"] == json::array({"engine"}));
  CHECK(task["ContainerSpec"]["Env"] == json::array({"HTTP_PORT=6878"}));
  CHECK(task["ContainerSpec"]["Labels"]["acestream.http_port"] == "6878");
  CHECK(task["ContainerSpec"]["HealthCheck"]["Interval"] == 2'000'000'000);
  CHECK(task["Placement"] ==
        json{{"Constraints", json::array({"node.labels.acepool==engines", "node.id!=n2"})}});
  // Removing an engine's service stops its task within ENGINE_STOP_TIMEOUT_S, not Swarm's 10 s.
  CHECK(task["ContainerSpec"]["StopGracePeriod"] == 3'000'000'000);
  CHECK(task["Resources"]["Limits"] ==
        json{{"MemoryBytes", 512ull << 20}, {"NanoCPUs", 1'500'000'000}});
  CHECK(task["Resources"]["Reservations"] == task["Resources"]["Limits"]);
  CHECK(task["RestartPolicy"]["Condition"] == "any");  // an engine: Swarm keeps it running
  // Host mode: the engine answers on the node it runs on, on acepool's port, without the mesh.
  CHECK(b["EndpointSpec"]["Ports"] == json::array({{{"Protocol", "tcp"},
                                                    {"TargetPort", 6878},
                                                    {"PublishedPort", 19007},
                                                    {"PublishMode", "host"}}}));
}

TEST_CASE("swarm: no placement rules, no limits: none are sent, a generic container runs once") {
  auto s = engine_spec_for_test();
  s.memory_bytes.reset();
  s.labels["acepool.kind"] = "generic";
  auto b = service_create_body(s, {});
  CHECK(b["TaskTemplate"]["Placement"]["Constraints"] == json::array());
  CHECK(b["TaskTemplate"]["Resources"]["Limits"] == json::object());
  CHECK(b["TaskTemplate"]["RestartPolicy"]["Condition"] == "none");
}

namespace {

const char* const tasks_json = R"json([
  {"ID": "t-old", "ServiceID": "s1", "NodeID": "n1", "DesiredState": "shutdown",
   "UpdatedAt": "2026-12-07T10:00:00.1Z",
   "Status": {"State": "failed", "Err": "task: non-zero exit (137)",
              "ContainerStatus": {"ContainerID": "c-old"}}},
  {"ID": "t-new", "ServiceID": "s1", "NodeID": "n2", "DesiredState": "running",
   "UpdatedAt": "2026-12-07T10:00:05.2Z",
   "Status": {"State": "running", "Message": "started",
              "ContainerStatus": {"ContainerID": "c-new"},
              "PortStatus": {"Ports": [{"Protocol": "tcp", "TargetPort": 6878,
                                        "PublishedPort": 19007, "PublishMode": "host"},
                                       {"TargetPort": 0, "PublishedPort": 5}]}}},
  {"ServiceID": "no id"}, 7, null
])json";

const char* const nodes_json = R"([
  {"ID": "n1", "Description": {"Hostname": "box-1"},
   "Spec": {"Role": "worker", "Availability": "drain", "Labels": {"acepool": "engines"}},
   "Status": {"State": "down", "Addr": "10.0.0.11"}},
  {"ID": "n2", "Description": {"Hostname": "box-2"},
   "Spec": {"Role": "manager", "Availability": "active"},
   "Status": {"State": "ready", "Addr": "0.0.0.0"},
   "ManagerStatus": {"Leader": true, "Addr": "127.0.0.1:2377"}}
])";

}  // namespace

TEST_CASE("swarm: tasks, nodes and services are read field by field, bad rows skipped") {
  auto tasks = parse_tasks(json::parse(tasks_json));
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].message == "task: non-zero exit (137)");
  CHECK(tasks[1].ports == port_map{{"6878/tcp", {{"", 19007}}}});
  CHECK(tasks[1].container_id == "c-new");
  auto nodes = parse_nodes(json::parse(nodes_json));
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].addr == "10.0.0.11");
  CHECK(nodes[0].availability == "drain");
  CHECK(nodes[0].labels == std::map<std::string, std::string>{{"acepool", "engines"}});
  CHECK(nodes[1].addr == "127.0.0.1");  // a manager's 0.0.0.0: its advertised address
  CHECK(nodes[1].state == "ready");
  auto services = parse_services(json::parse(R"([
    {"ID": "s1", "CreatedAt": "2026-12-07T10:00:00.123456789Z",
     "Spec": {"Name": "acestream-7", "Labels": {"orchestrator.managed": "acestream", "n": 1},
              "TaskTemplate": {"ContainerSpec": {"Image": "acepool/sim:latest"}}}},
    {"Spec": "not an object"}, "x"])"));
  REQUIRE(services.size() == 1);
  CHECK(services[0].image == "acepool/sim:latest");
  CHECK(services[0].labels ==
        std::map<std::string, std::string>{{"orchestrator.managed", "acestream"}});
  CHECK(parse_tasks(json::object()).empty());
  CHECK(parse_nodes(json("text")).empty());
  // A node listed twice is one node.
  CHECK(parse_nodes(json::parse(R"([{"ID": "n1"}, {"ID": "n1"}, {"ID": "n2"}])")).size() == 2);
}

TEST_CASE("swarm: the task wanted running stands for the service, else the newest") {
  auto tasks = parse_tasks(json::parse(tasks_json));
  CHECK(current_task(tasks)->id == "t-new");
  std::swap(tasks[0], tasks[1]);
  CHECK(current_task(tasks)->id == "t-new");
  tasks[0].desired_state = "shutdown";
  CHECK(current_task(tasks)->id == "t-new");  // both shut down: the newest
  CHECK(current_task({}) == nullptr);
  // Docker trims trailing zeros of a fraction: .1 is later than .05, whatever the text says.
  tasks[0].updated = "2026-12-07T10:00:05.1Z";
  tasks[1].updated = "2026-12-07T10:00:05.05Z";
  CHECK(current_task(tasks)->id == tasks[0].id);
}

TEST_CASE("swarm: a service is seen as a container on its task's node") {
  auto services = parse_services(json::parse(R"([{"ID": "s1", "CreatedAt": "2026-12-07T10:00:00Z",
     "Spec": {"Name": "acestream-7", "Labels": {"acestream.http_port": "6878"},
              "TaskTemplate": {"ContainerSpec": {"Image": "img"},
                               "RestartPolicy": {"Condition": "any"}},
              "EndpointSpec": {"Ports": [{"Protocol": "tcp", "TargetPort": 6878,
                                          "PublishedPort": 19007, "PublishMode": "host"}]}}}])"));
  auto tasks = parse_tasks(json::parse(tasks_json));
  auto nodes = parse_nodes(json::parse(nodes_json));
  auto c = service_as_container(services[0], current_task(tasks), &nodes[1]);
  CHECK(c.id == "s1");
  CHECK(c.name == "acestream-7");
  CHECK(c.state == "running");
  CHECK(c.created == 1796637600);  // 2026-12-07T10:00:00Z
  CHECK(c.ports == port_map{{"6878/tcp", {{"127.0.0.1", 19007}}}});
  CHECK(c.labels.at(label_swarm_node) == "n2");
  CHECK(c.labels.at(label_swarm_node_addr) == "127.0.0.1");
  CHECK(c.labels.at("acestream.http_port") == "6878");
  // Its task failed and no other is wanted yet: Swarm starts one after the restart delay
  // (policy any, an engine's), so it is not dead...
  auto failed = service_as_container(services[0], &tasks[0], &nodes[0]);
  CHECK(failed.state == "restarting");
  CHECK(failed.status == "failed: task: non-zero exit (137)");
  // ...unless its policy does not restart it (a generic container's `none`), or not this end.
  auto once = services[0];
  once.restart_condition = "none";
  CHECK(service_as_container(once, &tasks[0], &nodes[0]).state == "exited");
  once.restart_condition = "on-failure";
  CHECK(service_as_container(once, &tasks[0], &nodes[0]).state == "restarting");
  auto done = tasks[0];
  done.state = "complete";
  CHECK(service_as_container(once, &done, &nodes[0]).state == "exited");
  // Scaled to 0 (by hand): no task comes again, whatever the policy.
  auto scaled = services[0];
  scaled.replicas = 0;
  CHECK(service_as_container(scaled, &tasks[0], &nodes[0]).state == "exited");
  CHECK(parse_services(json::parse(R"([{"ID": "s0", "Spec": {"Mode": {"Replicated":
      {"Replicas": 0}}}}])"))[0]
            .replicas == 0);
  // A task Swarm shut down (a service update) is followed by one wanted running; alone, it is
  // not a restart on its way.
  auto shut = tasks[0];
  shut.state = "shutdown";
  CHECK(service_as_container(services[0], &shut, &nodes[0]).state == "exited");
  // Wanted running but not running (placed, preparing, restarting after a failure, moving off
  // a lost node): neither usable nor dead.
  tasks[1].state = "preparing";
  CHECK(service_as_container(services[0], &tasks[1], nullptr).state == "restarting");
  tasks[1].state = "failed";
  CHECK(service_as_container(services[0], &tasks[1], nullptr).state == "restarting");
  auto none = service_as_container(services[0], nullptr, nullptr);
  CHECK(none.state == "restarting");
  // Its port stays acepool's while no task holds it: never handed to another engine.
  CHECK(none.ports == port_map{{"6878/tcp", {{"", 19007}}}});
}
