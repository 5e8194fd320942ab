// The engine pool through the acepool binary against the real Docker daemon and the simulator
// image: provisioning, removal, scaling, gc, generic containers, lookups and metrics.
#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "docker/container_launcher.hpp"
#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

bool get_status_answers(uint16_t port) {
  return http_get("http://127.0.0.1:" + std::to_string(port) +
                  "/server/api?api_version=3&method=get_status")
             .status == 200;
}

}  // namespace

TEST_CASE("MIN_REPLICAS engines run and answer at start, listed by port with an ETag") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "2"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));
  auto engines = ace.engines();
  CHECK(engines[0]["port"].get<int>() < engines[1]["port"].get<int>());
  for (const auto& e : engines) {
    CHECK(e["health_status"] == "healthy");
    CHECK(e["state"] == "running");
    CHECK(e["host"] == "127.0.0.1");
    CHECK(e["labels"][run.label().first] == run.run_id());
    CHECK(e["first_seen"].get<std::string>().back() == 'Z');
    CHECK(get_status_answers(e["port"].get<uint16_t>()));
    CHECK(e["port"].get<int>() >= ports.low());
    CHECK(e["port"].get<int>() <= ports.high());
  }
  auto first = ace.get("/engines");
  auto etag = first.header("ETag");
  REQUIRE(etag);
  CHECK(first.header("Cache-Control") == "max-age=1");
  auto again = ace.get("/engines", {"If-None-Match: " + *etag});
  CHECK(again.status == 304);
  CHECK(again.body.empty());
  CHECK(ace.get("/engines", {"If-None-Match: \"engines-0\""}).status == 200);
  CHECK(managed_containers(run).size() == 2);
}

TEST_CASE("POST /provision/acestream answers once the engine is ready and already listed") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports));
  auto r = ace.post("/provision/acestream", "{}");
  REQUIRE(r.status == 200);
  auto b = json_of(r);
  auto id = b["container_id"].get<std::string>();
  CHECK(id.size() == 64);
  CHECK_THAT(b["container_name"].get<std::string>(), Catch::StartsWith("acestream-"));
  CHECK(b["host"] == "127.0.0.1");
  CHECK(b["port"] == b["host_http_port"]);
  CHECK(b["container_http_port"] == b["port"]);
  CHECK(b["container_https_port"].get<int>() >= 45000);
  // Ready means ready: the engine answers now, and /engines already lists it.
  CHECK(get_status_answers(b["port"].get<uint16_t>()));
  CHECK(engine_ids(ace) == std::set<std::string>{id});
  auto by_prefix = ace.get("/engines/" + id.substr(0, 12));
  REQUIRE(by_prefix.status == 200);
  CHECK(json_of(by_prefix)["engine"]["container_id"] == id);
  CHECK(json_of(by_prefix)["streams"] == json::array());
  CHECK(json_of(ace.get("/engines/" +
                        b["container_name"].get<std::string>()))["engine"]["container_id"] == id);
  CHECK(ace.get("/engines/" + id.substr(0, 8)).status == 404);  // too short to be a prefix
  CHECK(json_of(ace.get("/engines/nope")) == json{{"detail", "engine not found"}});
  auto container = ace.get("/containers/" + id);
  REQUIRE(container.status == 200);
  CHECK(json_of(container)["status"] == "running");
  CHECK(json_of(container)["labels"]["acestream.http_port"] ==
        std::to_string(b["port"].get<int>()));
  CHECK(r.header("X-RateLimit-Provisioning-Limit") == "5");
  CHECK(r.header("X-RateLimit-Provisioning-Remaining"));
  auto scores = json_of(ace.get("/engines/health-score"));
  REQUIRE(scores.size() == 1);
  CHECK(scores[0]["health_score"] == 100);
}

TEST_CASE("bad provisioning requests get api.md's errors and leave nothing behind") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports));
  auto code_of = [](const http_reply& r) { return json_of(r)["detail"]["code"]; };
  auto not_allowed = ace.post("/provision/acestream", R"({"image":"nginx:latest"})");
  CHECK(not_allowed.status == 403);
  CHECK(code_of(not_allowed) == "image_not_allowed");
  CHECK(json_of(not_allowed)["detail"]["error"] == "invalid_request");
  auto reserved =
      ace.post("/provision/acestream", json{{"labels", {{run.label().first, "x"}}}}.dump());
  CHECK(reserved.status == 400);
  CHECK(code_of(reserved) == "invalid_request");
  CHECK(ace.post("/provision/acestream", R"({"env":{"HTTP_PORT":"1"}})").status == 400);
  auto outside = ace.post("/provision/acestream", R"({"host_port":80})");
  CHECK(outside.status == 400);
  CHECK_THAT(json_of(outside)["detail"]["message"].get<std::string>(), Catch::Contains("outside"));
  CHECK(ace.post("/provision/acestream", R"({"host_port":"x"})").status == 422);
  CHECK(ace.post("/provision/acestream", R"({"labels":{"a":1}})").status == 422);
  CHECK(ace.post("/provision/acestream", "{not json").status == 422);
  // A host port that is taken.
  auto taken =
      json_of(ace.post("/provision/acestream", json{{"host_port", ports.low() + 5}}.dump()));
  CHECK(taken["port"] == ports.low() + 5);
  auto twice = ace.post("/provision/acestream", json{{"host_port", ports.low() + 5}}.dump());
  CHECK(twice.status == 400);
  CHECK_THAT(json_of(twice)["detail"]["message"].get<std::string>(), Catch::Contains("taken"));
  CHECK(managed_containers(run).size() == 1);
}

TEST_CASE(
    "DELETE /containers/{id} removes the container, frees its port and updates the registry "
    "first") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports));
  auto b = json_of(ace.post("/provision/acestream"));
  auto id = b["container_id"].get<std::string>();
  auto port = std::to_string(b["port"].get<int>());
  CHECK(ace.actor_state("port_allocator")["host"]["bound"][port] == id);
  auto d = ace.del("/containers/" + id.substr(0, 12));
  REQUIRE(d.status == 200);
  CHECK(json_of(d) == json{{"deleted", id}});
  CHECK(ace.engines().empty());  // already when the answer arrived
  CHECK(run.client().inspect_container(id).error().code == docker::docker_errc::not_found);
  CHECK_FALSE(ace.actor_state("port_allocator")["host"]["bound"].contains(port));
  CHECK(ace.del("/containers/" + id).status == 404);
  CHECK(json_of(ace.del("/containers/nothing-here")) == json{{"detail", "container not found"}});
  // A container that is not managed is not acepool's to show or delete.
  docker::container_spec foreign;
  foreign.name = run.name("foreign");
  foreign.image = sim_image;
  auto fid = docker::create_and_start(run.client(), foreign);
  REQUIRE(fid.ok());
  CHECK(ace.get("/containers/" + *fid).status == 404);
  CHECK(ace.del("/containers/" + *fid).status == 404);
  CHECK(run.client().inspect_container(*fid).ok());
  run.client().remove_container(*fid, true);
}

TEST_CASE("/scale starts and drains engines without breaking the floors") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "1"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 30s));
  auto up = json_of(ace.post("/scale/3"));
  CHECK(up == json{{"scaled_to", 3}, {"requested", 3}, {"started", 2}, {"stopping", 0}});
  REQUIRE(eventually(
      [&] { return ace.engines().size() == 3 && managed_containers(run).size() == 3; }, 30s));
  auto down = json_of(ace.post("/scale/0"));
  CHECK(down["scaled_to"] == 1);  // MIN_REPLICAS is the floor
  CHECK(down["stopping"] == 2);
  CHECK(eventually([&] { return ace.engines().size() == 1 && managed_containers(run).size() == 1; },
                   30s));
  CHECK(ace.post("/scale/-1").status == 422);
  CHECK(ace.post("/scale/two").status == 422);
}

TEST_CASE(
    "/gc removes idle engines past IDLE_TTL_S above the floors and managed containers that do not "
    "run") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"IDLE_TTL_S", "0"}}));
  auto e1 = json_of(ace.post("/provision/acestream"))["container_id"].get<std::string>();
  auto e2 = json_of(ace.post("/provision/acestream"))["container_id"].get<std::string>();
  auto g = json_of(
      ace.post("/provision", json{{"image", "acepool/sim:latest"}, {"name_prefix", "svc"}}.dump()));
  auto gid = g["container_id"].get<std::string>();
  REQUIRE(run.client().stop_container(gid, 5).ok());  // a generic container that exited
  auto gc = json_of(ace.post("/gc"));
  auto removed = gc["removed_engines"].get<std::vector<std::string>>();
  std::sort(removed.begin(), removed.end());
  auto expected = std::vector<std::string>{e1, e2};
  std::sort(expected.begin(), expected.end());
  CHECK(removed == expected);
  CHECK(gc["removed_containers"] == json::array({gid}));
  CHECK(gc["purged_streams"] == 0);
  CHECK(gc["status"] == "ok");
  CHECK(ace.engines().empty());
  CHECK(managed_containers(run).size() == 0);
}

TEST_CASE("POST /provision starts a generic container kept out of the engine pool") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  // Generic containers publish from a range of their own, apart from the engines'.
  acepool_process ace(pool_env(
      run, ports,
      {{"PORT_RANGE_HOST", std::to_string(ports.low()) + "-" + std::to_string(ports.low() + 19)},
       {"GENERIC_PORT_RANGE",
        std::to_string(ports.low() + 20) + "-" + std::to_string(ports.high())}}));
  auto port = ports.low() + 20;
  auto r = ace.post("/provision", json{{"image", "acepool/sim:latest"},
                                       {"env", {{"HTTP_PORT", "8080"}}},
                                       {"labels", {{"team", "web"}}},
                                       {"ports", {{"8080/tcp", port}}},
                                       {"name_prefix", "web"}}
                                      .dump());
  REQUIRE(r.status == 200);
  auto b = json_of(r);
  CHECK(b["container_name"] == "web-1");
  auto id = b["container_id"].get<std::string>();
  CHECK(ace.engines().empty());
  CHECK(eventually([&] {
    return http_get("http://127.0.0.1:" + std::to_string(port) + "/sim/stats").status == 200;
  }));
  auto c = json_of(ace.get("/containers/" + id));
  CHECK(c["labels"]["acepool.kind"] == "generic");
  CHECK(c["labels"]["team"] == "web");
  CHECK(c["ports"]["8080/tcp"][0]["HostPort"] == std::to_string(port));
  CHECK(ace.actor_state("port_allocator")["external"].contains(std::to_string(port)));
  // Its port is taken for everyone else.
  auto again = ace.post(
      "/provision", json{{"image", "acepool/sim:latest"}, {"ports", {{"9090/tcp", port}}}}.dump());
  CHECK(again.status == 400);
  auto listed = json_of(ace.get("/by-label?key=team&value=web"));
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["id"] == id);
  // Each item is the document GET /containers/{id} answers (the orchestrator's), to the second.
  CHECK(listed[0]["status"] == "running");
  CHECK(c["status"] == "running");
  auto created = listed[0]["created"].get<std::string>();
  CHECK(created.substr(0, 19) == c["created"].get<std::string>().substr(0, 19));
  CHECK(created.back() == 'Z');
  for (const char* field : {"name", "image", "labels", "ports"})
    CHECK(listed[0][field] == c[field]);
  CHECK(json_of(ace.get("/by-label?key=team&value=nobody")).empty());
  CHECK(ace.get("/by-label?key=team").status == 422);
  CHECK(ace.post("/provision", R"({"ports":{"8080":1}})").status == 422);
  CHECK(ace.post("/provision", R"({"labels":{"acepool.kind":"engine"}})").status == 400);
  CHECK(json_of(ace.del("/containers/" + id))["deleted"] == id);
  CHECK_FALSE(ace.actor_state("port_allocator")["external"].contains(std::to_string(port)));
}

TEST_CASE("/metrics reports engines, provisioning, breakers and Docker calls") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "1"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 30s));
  ace.post("/provision/acestream", R"({"image":"nginx"})");
  auto m = ace.get("/metrics").body;
  CHECK_THAT(m, Catch::Contains("acepool_engines{state=\"running\"} 1"));
  CHECK_THAT(m, Catch::Contains("acepool_engines_health{status=\"healthy\"} 1"));
  CHECK_THAT(m, Catch::Contains("acepool_provision_total{kind=\"engine\",result=\"success\"} 1"));
  CHECK_THAT(m, Catch::Contains("acepool_provision_duration_seconds_count{kind=\"engine\"} 1"));
  CHECK_THAT(m, Catch::Contains("acepool_circuit_state{breaker=\"general\",state=\"closed\"} 1"));
  CHECK_THAT(m, Catch::Contains("acepool_docker_reachable 1"));
  CHECK_THAT(m, Catch::Contains("acepool_docker_events_total{action=\"start\"}"));
  CHECK_THAT(m, Catch::Contains("acepool_api_requests_total{route=\"/provision/"
                                "acestream\",method=\"POST\",status=\"403\"} 1"));
  // The orchestrator's counter: the refused request got past validation, so it counts.
  CHECK_THAT(m, Catch::Contains("orch_provision_total{kind=\"acestream\"} 1\n"));
  CHECK_THAT(m, Catch::Contains("orch_provision_total{kind=\"generic\"} 0\n"));
}

TEST_CASE("a managed container without a usable port is reported once and never counted") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  // Carries the pool's label (e.g. an old orchestrator's engine) but no port labels acepool
  // could reach it by.
  docker::container_spec stray;
  stray.name = run.name("stray");
  stray.image = sim_image;
  stray.labels = {run.label()};
  auto sid = docker::create_and_start(run.client(), stray);
  REQUIRE(sid.ok());
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "1"}, {"MONITOR_INTERVAL_S", "1"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 60s));
  auto engines = ace.engines();
  CHECK(engines[0]["container_id"] != *sid);
  CHECK(ace.actor_state("engine_registry")["unadoptable"].contains(*sid));
  std::this_thread::sleep_for(3s);  // several syncs
  auto log = ace.process().stderr_text();
  size_t reports = 0;
  for (auto at = log.find("engine.unadoptable"); at != std::string::npos;
       at = log.find("engine.unadoptable", at + 1))
    ++reports;
  CHECK(reports == 1);
  CHECK(ace.engines().size() == 1);
}
