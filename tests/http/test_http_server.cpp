#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/runtime/introspection.hpp"
#include "http/json_body.hpp"
#include "tests/common/api_server.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/http_client.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;

namespace {

struct counter_state {
  static inline const char* name = "counter";
  int total = 0;
  json summary() const { return {{"total", total}}; }
  json full_state() const { return {{"total", total}, {"detail", "everything"}}; }
};

caf::behavior counter_actor(actors::tracked_actor<counter_state>* self) {
  return actors::introspectable(
      self, caf::message_handler{[self](caf::put_atom, int x) { self->state.total += x; }});
}

/// An actor that accepts every introspection request and never answers (a stuck actor).
struct stuck_state {
  static inline const char* name = "stuck";
  std::vector<caf::response_promise> held;
};

caf::behavior stuck_actor(actors::tracked_actor<stuck_state>* self) {
  auto hold = [self] {
    self->state.held.push_back(self->make_response_promise());
    return self->state.held.back();
  };
  return {
      [hold](actors::get_stats_atom) { return hold(); },
      [hold](actors::get_state_atom) { return hold(); },
      [hold](actors::ping_atom) { return hold(); },
  };
}

void add_counter(api_server& s, const std::string& name) {
  s.directory->add(s.sys.spawn(counter_actor), name, "counter");
}

void add_stuck(api_server& s) {
  s.directory->add(s.sys.spawn(stuck_actor), "stuck", "stuck");
}

void add_echo_route(http::router& r) {
  r.add(http::method::post, "/test/echo", http::access::write, {}, [](http::call& c) {
    auto body = http::parse_json_object(*c.req);
    if (!body.value) return c.reply.send(body.error);
    c.reply.send(http::response::json(200, *body.value));
  });
}

json body_json(const http_reply& r) {
  return json::parse(r.body, nullptr, false);
}

/// The /debug/actors entry called `name` (null when absent).
json entry_named(const json& list, const std::string& name) {
  for (const auto& e : list)
    if (e["name"] == name) return e;
  return nullptr;
}

http_reply post(const std::string& url, std::string body, std::vector<std::string> headers = {}) {
  http_request r;
  r.method = "POST";
  r.url = url;
  r.body = std::move(body);
  r.headers = std::move(headers);
  r.headers.push_back("Content-Type: application/json");
  return http_call(r);
}

}  // namespace

TEST_CASE("GET /health answers 200 over a real socket") {
  api_server s({});
  auto r = http_get(s.url("/health"));
  CHECK(r.status == 200);
  CHECK(body_json(r) == json{{"status", "ok"}});
  CHECK(r.header("Content-Type") == "application/json; charset=utf-8");
  CHECK(r.header("X-Request-Id"));
}

TEST_CASE("GET /debug/actors lists every registered actor with the counters it reports itself") {
  api_server s({}, [](api_server& srv, http::router&) {
    add_counter(srv, "engine_registry");
    add_counter(srv, "port_allocator");
  });
  auto reg = s.directory->find("engine_registry")->handle;
  for (int i = 0; i < 3; ++i)
    caf::anon_send(reg, caf::put_atom::value, 2);
  REQUIRE(eventually(
      [&] { return s.directory->find("engine_registry")->vitals->processed.load() == 3; }));
  auto r = http_get(s.url("/debug/actors"));
  REQUIRE(r.status == 200);
  auto list = body_json(r);
  CHECK(list.size() == 5);  // two test actors and the three docker workers
  auto reg_entry = entry_named(list, "engine_registry");
  REQUIRE(reg_entry.is_object());
  CHECK(reg_entry["kind"] == "counter");
  CHECK(reg_entry["responding"] == true);
  CHECK(reg_entry["processed"] == 4);  // three puts + the stats request itself
  CHECK(reg_entry["mailbox"] == 0);
  CHECK(reg_entry["state_summary"] == json{{"total", 6}});
  CHECK(reg_entry["id"].is_number());
  CHECK(reg_entry["last_message_at"].is_string());
  CHECK(entry_named(list, "port_allocator")["processed"] == 1);
  CHECK(entry_named(list, "docker_quick/1")["kind"] == "docker_worker");
}

TEST_CASE("GET /debug/actors/{name} returns the actor's full state, 404 for unknown names") {
  api_server s({}, [](api_server& srv, http::router&) { add_counter(srv, "engine_registry"); });
  auto r = http_get(s.url("/debug/actors/engine_registry"));
  REQUIRE(r.status == 200);
  CHECK(body_json(r) == json{{"name", "engine_registry"},
                             {"kind", "counter"},
                             {"state", {{"total", 0}, {"detail", "everything"}}}});
  auto missing = http_get(s.url("/debug/actors/nobody"));
  CHECK(missing.status == 404);
  CHECK(body_json(missing) == json{{"detail", "actor not found"}});
}

TEST_CASE("a stuck actor gets 504 JSON while the io thread keeps serving other requests") {
  // One io thread: if the bridge blocked it, /health could not be answered meanwhile.
  api_server s(
      {{"API_REQUEST_TIMEOUT_S", "1.5"}}, [](api_server& srv, http::router&) { add_stuck(srv); },
      1);
  std::atomic<bool> slow_done{false};
  http_reply slow;
  std::thread t([&] {
    slow = http_get(s.url("/debug/actors/stuck"));
    slow_done = true;
  });
  int answered_meanwhile = 0;
  while (!slow_done && answered_meanwhile < 5) {
    if (http_get(s.url("/health")).status == 200 && !slow_done) ++answered_meanwhile;
  }
  t.join();
  CHECK(answered_meanwhile >= 1);
  CHECK(slow.status == 504);
  CHECK(body_json(slow) == json{{"detail", "the request timed out inside acepool"}});
}

TEST_CASE("GET /debug/actors marks a stuck actor as not responding instead of hanging") {
  api_server s(config::env_map{{"API_REQUEST_TIMEOUT_S", "1"}}, [](api_server& srv, http::router&) {
    add_stuck(srv);
    add_counter(srv, "engine_registry");
  });
  auto r = http_get(s.url("/debug/actors"));
  REQUIRE(r.status == 200);
  auto list = body_json(r);
  CHECK(entry_named(list, "engine_registry")["responding"] == true);
  auto stuck = entry_named(list, "stuck");
  REQUIRE(stuck.is_object());
  CHECK(stuck["responding"] == false);
  CHECK(stuck["state_summary"].is_null());
}

TEST_CASE("GET /health/ready is 200 when every actor answers and 503 naming the silent ones") {
  {
    api_server s({}, [](api_server& srv, http::router&) { add_counter(srv, "engine_registry"); });
    auto r = http_get(s.url("/health/ready"));
    CHECK(r.status == 200);
    auto b = body_json(r);
    CHECK(b["ready"] == true);
    CHECK(b["docker"] == "ok");
    CHECK(b["actors"]["total"] == 4);  // the test actor and the three docker workers
    CHECK(b["timestamp"].get<std::string>().back() == 'Z');
  }
  {
    api_server s({}, [](api_server& srv, http::router&) {
      add_counter(srv, "engine_registry");
      add_stuck(srv);
    });
    auto r = http_get(s.url("/health/ready"));
    CHECK(r.status == 503);
    auto b = body_json(r);
    CHECK(b["ready"] == false);
    CHECK(b["actors"]["not_answering"] == json::array({"stuck"}));
  }
}

TEST_CASE("GET /health/ready is 503 naming a required actor that is gone") {
  caf::actor victim;
  api_server s({}, [&](api_server& srv, http::router&) {
    victim = srv.sys.spawn(counter_actor);
    srv.directory->add(victim, "engine_registry", "engine_registry");
  });
  std::atomic<int> lost{0};
  s.directory->require_registered([&](const std::string&) { ++lost; });
  CHECK(http_get(s.url("/health/ready")).status == 200);
  caf::anon_send_exit(victim, caf::exit_reason::kill);
  for (int i = 0; i < 100 && lost == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(lost == 1);
  auto r = http_get(s.url("/health/ready"));
  CHECK(r.status == 503);
  auto b = body_json(r);
  CHECK(b["ready"] == false);
  CHECK(b["actors"]["missing"] == json::array({"engine_registry"}));
  s.directory->stop_watching();
}

TEST_CASE("GET /health/ready counts a Docker worker inside a long call as busy and stays ready") {
  api_server s(config::env_map{{"API_REQUEST_TIMEOUT_S", "1"}});
  s.docker->hold("pull");
  caf::anon_send(s.workers.provisioning.at(0), actors::docker_pull_atom::value,
                 std::string("example/slow:1"));
  for (int i = 0; i < 500 && s.docker->waiting("pull") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(s.docker->waiting("pull") == 1);
  auto during = http_get(s.url("/health/ready"));
  auto b = body_json(during);
  CHECK(during.status == 200);
  CHECK(b["actors"]["busy"] == json::array({"docker_provision/1"}));
  CHECK(b["actors"]["not_answering"] == json::array());
  auto worker = entry_named(body_json(http_get(s.url("/debug/actors"))), "docker_provision/1");
  CHECK(worker["responding"] == false);
  CHECK(worker["in_blocking_call_since"].is_string());
  s.docker->release("pull");
  auto after = body_json(http_get(s.url("/health/ready")));
  CHECK(after["actors"]["busy"] == json::array());
  auto idle = entry_named(body_json(http_get(s.url("/debug/actors"))), "docker_provision/1");
  CHECK(idle["responding"] == true);
  CHECK(idle["in_blocking_call_since"].is_null());
  CHECK(s.docker->calls("pull") == 1);
}

TEST_CASE("GET /health/ready is 503 while Docker is unreachable and 200 once it answers again") {
  api_server s({});
  s.docker->set_reachable(false);
  auto down = http_get(s.url("/health/ready"));
  CHECK(down.status == 503);
  auto b = body_json(down);
  CHECK(b["ready"] == false);
  CHECK(b["docker"] == "unreachable");
  CHECK_THAT(b["docker_detail"].get<std::string>(), Catch::Contains("unreachable"));
  s.docker->set_reachable(true);
  auto up = http_get(s.url("/health/ready"));
  CHECK(up.status == 200);
  CHECK(body_json(up)["docker"] == "ok");
  CHECK(s.docker->calls("ping") == 2);
}

TEST_CASE("malformed JSON bodies get 422 with a detail list") {
  api_server s({}, [](api_server&, http::router& r) { add_echo_route(r); });
  auto bad = post(s.url("/test/echo"), "{\"image\": ");
  CHECK(bad.status == 422);
  auto detail = body_json(bad)["detail"];
  REQUIRE(detail.is_array());
  CHECK(detail[0]["type"] == "json_invalid");
  auto good = post(s.url("/test/echo"), R"({"image":"x"})");
  CHECK(good.status == 200);
  CHECK(body_json(good) == json{{"image", "x"}});
}

TEST_CASE("bodies above MAX_BODY_BYTES get 413 JSON, however large") {
  api_server s(config::env_map{{"MAX_BODY_BYTES", "1024"}},
               [](api_server&, http::router& r) { add_echo_route(r); });
  for (size_t size : {size_t{2000}, size_t{9000}, size_t{3} << 20}) {
    auto big = post(s.url("/test/echo"), std::string(size, ' ') + "{}");
    CHECK(big.status == 413);
    CHECK_THAT(body_json(big)["detail"].get<std::string>(),
               Catch::Contains("exceeds MAX_BODY_BYTES (1024)"));
  }
  CHECK(http_get(s.url("/health")).status == 200);  // and the server is unharmed
}

TEST_CASE("bad auth gets 401 or 403 JSON and the right key gets in") {
  api_server s(config::env_map{{"API_KEY", "s3cret"}});
  auto none = http_get(s.url("/debug/config"));
  CHECK(none.status == 401);
  CHECK(body_json(none) == json{{"detail", "missing bearer token"}});
  auto wrong = http_get(s.url("/debug/config"), {"Authorization: Bearer guess"});
  CHECK(wrong.status == 403);
  CHECK(body_json(wrong) == json{{"detail", "invalid token"}});
  auto right = http_get(s.url("/debug/config"), {"Authorization: Bearer s3cret"});
  REQUIRE(right.status == 200);
  CHECK(body_json(right)["values"]["API_KEY"] == "<redacted>");
  CHECK(right.body.find("s3cret") == std::string::npos);
  CHECK(http_get(s.url("/metrics")).status == 200);
  CHECK(http_get(s.url("/health")).status == 200);
}

TEST_CASE("unknown routes get 404 and wrong methods 405 with Allow over real HTTP") {
  api_server s({});
  auto missing = http_get(s.url("/no/such/route"));
  CHECK(missing.status == 404);
  CHECK(body_json(missing) == json{{"detail", "not found"}});
  http_request del;
  del.method = "DELETE";
  del.url = s.url("/health");
  auto wrong = http_call(del);
  CHECK(wrong.status == 405);
  CHECK(wrong.header("Allow") == "GET, HEAD, OPTIONS");
  CHECK(body_json(wrong) == json{{"detail", "method not allowed"}});
}

TEST_CASE("CORS headers and preflight over real HTTP, X-Request-Id is echoed") {
  api_server s(config::env_map{{"CORS_ORIGINS", "https://ui.example"}});
  auto r = http_get(s.url("/health"), {"Origin: https://ui.example", "X-Request-Id: trace-42"});
  CHECK(r.header("Access-Control-Allow-Origin") == "https://ui.example");
  CHECK(r.header("X-Request-Id") == "trace-42");
  http_request pre;
  pre.method = "OPTIONS";
  pre.url = s.url("/debug/actors");
  pre.headers = {"Origin: https://ui.example", "Access-Control-Request-Method: GET"};
  auto p = http_call(pre);
  CHECK(p.status == 204);
  CHECK(p.header("Access-Control-Allow-Methods") == "GET, HEAD, OPTIONS");
}

TEST_CASE("many concurrent requests are all answered with distinct request ids") {
  api_server s({}, [](api_server& srv, http::router&) {
    add_counter(srv, "engine_registry");
    add_counter(srv, "port_allocator");
  });
  std::vector<http_request> reqs;
  const char* paths[] = {"/health", "/health/ready", "/debug/actors", "/metrics",
                         "/debug/actors/port_allocator"};
  for (int i = 0; i < 500; ++i) {
    http_request r;
    r.url = s.url(paths[i % 5]);
    reqs.push_back(r);
  }
  auto replies = http_call_many(reqs, 64);
  std::set<std::string> ids;
  int ok = 0;
  for (const auto& r : replies) {
    if (r.status == 200) ++ok;
    if (auto id = r.header("X-Request-Id")) ids.insert(*id);
  }
  CHECK(ok == 500);
  CHECK(ids.size() == 500);
}

TEST_CASE("GET /metrics reports requests by route pattern, process stats and actor mailboxes") {
  api_server s({}, [](api_server& srv, http::router&) { add_counter(srv, "engine_registry"); });
  http_get(s.url("/debug/actors/engine_registry"));
  http_get(s.url("/debug/actors/nobody"));
  auto r = http_get(s.url("/metrics"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK_THAT(r.body, Catch::Contains("acepool_api_requests_total{route=\"/debug/actors/"
                                     "{name}\",method=\"GET\",status=\"200\"} 1"));
  CHECK_THAT(r.body, Catch::Contains("acepool_api_requests_total{route=\"/debug/actors/"
                                     "{name}\",method=\"GET\",status=\"404\"} 1"));
  CHECK(r.body.find("nobody") == std::string::npos);
  CHECK_THAT(r.body,
             Catch::Contains("acepool_api_duration_seconds_bucket{route=\"/debug/actors/{name}\""));
  CHECK_THAT(r.body, Catch::Contains("process_open_fds "));
  CHECK_THAT(r.body, Catch::Contains("acepool_actor_mailbox{actor=\"engine_registry\"} 0"));
}

TEST_CASE("METRICS_AUTH protects /metrics") {
  api_server s(config::env_map{{"API_KEY", "k"}, {"METRICS_AUTH", "true"}});
  CHECK(http_get(s.url("/metrics")).status == 401);
  CHECK(http_get(s.url("/metrics"), {"Authorization: Bearer k"}).status == 200);
}
