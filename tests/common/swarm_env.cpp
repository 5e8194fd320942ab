#include "tests/common/swarm_env.hpp"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "docker/docker_json.hpp"
#include "support/text_safety.hpp"

namespace acepool::testing {

namespace {

using nlohmann::json;

[[noreturn]] void skip(const std::string& why) {
  std::printf("skipped: %s\n", why.c_str());
  std::fflush(stdout);
  std::_Exit(77);
}

}  // namespace

swarm_scope::swarm_scope(docker_run_scope& run) : run_(run) {
  auto& c = run_.client();
  auto info = c.versioned("GET", "/info", nullptr, c.call_timeout());
  if (!info || info->status != 200) skip("the daemon did not answer /info");
  auto state = json::parse(info->body, nullptr, false)["Swarm"]["LocalNodeState"];
  if (state == "active") return;  // the daemon's own swarm: used, never left
  if (state != "inactive") skip("the daemon's swarm is " + state.dump());
  std::string body = R"({"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1"})";
  auto init = c.versioned("POST", "/swarm/init", &body, c.call_timeout());
  if (!init || init->status != 200)
    skip("the daemon refused swarm init: " + (init ? docker::docker_message(init->body) : ""));
  created_ = true;
}

swarm_scope::~swarm_scope() {
  set_availability("active");
  remove_services();
  run_.remove_all();
  if (created_) {
    auto& c = run_.client();
    c.versioned("POST", "/swarm/leave?force=true", nullptr, c.call_timeout());
  }
}

bool swarm_scope::set_availability(const std::string& availability) {
  if (!created_) return false;
  auto& c = run_.client();
  auto info = c.versioned("GET", "/info", nullptr, c.call_timeout());
  if (!info || info->status != 200) return false;
  auto node_id = json::parse(info->body, nullptr, false)["Swarm"]["NodeID"];
  if (!node_id.is_string()) return false;
  auto path = "/nodes/" + c.escape(node_id.get<std::string>());
  auto node = c.versioned("GET", path, nullptr, c.call_timeout());
  if (!node || node->status != 200) return false;
  auto j = json::parse(node->body, nullptr, false);
  if (!j.is_object() || !j["Spec"].is_object() || !j["Version"]["Index"].is_number()) return false;
  auto spec = j["Spec"];
  spec["Availability"] = availability;
  auto body = support::dump_json(spec);
  auto r = c.versioned("POST", path + "/update?version=" + j["Version"]["Index"].dump(), &body,
                       c.call_timeout());
  return r && r->status == 200;
}

bool swarm_scope::service_exists(const std::string& id) {
  auto& c = run_.client();
  auto r = c.versioned("GET", "/services/" + c.escape(id), nullptr, c.call_timeout());
  return r && r->status == 200;
}

namespace {

json run_services(docker_run_scope& run) {
  auto& c = run.client();
  auto filter = support::dump_json(json{{"label", {run.label_text()}}});
  auto r = c.versioned("GET", "/services?filters=" + c.escape(filter), nullptr, c.call_timeout());
  if (!r || r->status != 200) return nullptr;
  return json::parse(r->body, nullptr, false);
}

}  // namespace

int swarm_scope::service_count() {
  auto services = run_services(run_);
  return services.is_array() ? static_cast<int>(services.size()) : -1;
}

void swarm_scope::remove_services() {
  auto& c = run_.client();
  auto services = run_services(run_);
  if (!services.is_array()) return;
  for (const auto& s : services)
    if (s.is_object() && s.contains("ID") && s["ID"].is_string())
      c.versioned("DELETE", "/services/" + c.escape(s["ID"].get<std::string>()), nullptr,
                  c.call_timeout());
}

bool swarm_scope::kill_task_container(const std::string& service_id) {
  auto tasks = run_.client().list_containers(
      {{"label", {"com.docker.swarm.service.id=" + service_id}}}, false);
  if (!tasks || tasks->empty()) return false;
  // SIGKILL (the simulator exits 0 on SIGTERM): the task fails as a crash does.
  auto r = run_.client().versioned("POST", "/containers/" + tasks->front().id + "/kill", nullptr,
                                   std::chrono::seconds(10));
  return r.ok() && r->status == 204;
}

}  // namespace acepool::testing
