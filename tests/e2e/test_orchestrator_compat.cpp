// The orchestrator's clients against acepool: every call its dashboard, acexy and scripts make,
// with its request shapes, and every answer checked against its response models
// (tests/compat/orchestrator_models.json, written from krinkuto11/acestream-orchestrator at
// 742e2cfd) by a JSON Schema validator (python3-jsonschema).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_events.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string compat_dir = std::string(ACEPOOL_SOURCE_DIR) + "/tests/compat";

/// The answers of one session, each with the model it must match.
class answer_book {
 public:
  explicit answer_book(const acepool_process& ace) : ace_(ace) {}

  /// GET `path`; expects 200 and records the answer as a `model`.
  json get(const std::string& path, const std::string& model) {
    return keep("GET " + path, model, ace_.get(path));
  }
  /// POST `body` to `path`; expects 200 and records the answer as a `model`.
  json post(const std::string& path, const json& body, const std::string& model) {
    return keep("POST " + path, model, ace_.post(path, body.dump()));
  }
  /// DELETE `path`; expects 200 and records the answer as a `model`.
  json del(const std::string& path, const std::string& model) {
    return keep("DELETE " + path, model, ace_.del(path));
  }

  /// Runs the validator over every recorded answer; its report, and whether all matched.
  std::pair<bool, std::string> validate() const {
    temp_dir dir;
    auto file = dir.write("answers.json", answers_.dump(2));
    auto r = run_program(
        "/usr/bin/python3",
        {compat_dir + "/check_answers.py", compat_dir + "/orchestrator_models.json", file}, {},
        60s);
    return {r.exit_code == 0, r.out + r.err};
  }
  size_t size() const { return answers_.size(); }

 private:
  json keep(const std::string& call, const std::string& model, const http_reply& reply) {
    INFO(call << " -> " << reply.status << " " << reply.body);
    CHECK(reply.status == 200);
    auto body = json_of(reply);
    answers_.push_back({{"call", call}, {"model", model}, {"body", body}});
    return body;
  }

  const acepool_process& ace_;
  json answers_ = json::array();
};

}  // namespace

TEST_CASE("compat: the orchestrator's calls get answers that match its response models") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports,
                               {{"MIN_REPLICAS", "1"},
                                {"MAX_REPLICAS", "2"},
                                {"COLLECT_INTERVAL_S", "0.2"},
                                {"ENGINE_GRACE_PERIOD_S", "30"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 30s));
  answer_book book(ace);

  // Provisioning, as the orchestrator's proxy integration and its scripts do it.
  auto engine =
      book.post("/provision/acestream", json{{"labels", json::object()}, {"env", json::object()}},
                "AceProvisionResponse");
  auto engine_id = engine.value("container_id", "");
  auto generic = book.post("/provision",
                           json{{"image", "acepool/sim:latest"},
                                {"labels", {{"team", "compat"}}},
                                {"name_prefix", "svc"}},
                           "ProvisionResponse");
  auto generic_id = generic.value("container_id", "");
  book.get("/containers/" + generic_id, "Container");
  book.get("/by-label?key=team&value=compat", "ContainerList");
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));

  // A stream reported by acexy (the events API), and one served by acepool's own relay.
  auto port = engine.value("host_http_port", 0);
  auto started = report_stream(ace, static_cast<uint16_t>(port), "compat-news");
  REQUIRE(started.status == 200);
  auto stream_id = json_of(started)["id"].get<std::string>();
  stream_reader viewer(ace.url("/ace/getstream?id=0c0c0c0c"));
  REQUIRE(eventually([&] { return viewer.bytes() > 0; }, 60s));
  REQUIRE(eventually(
      [&] {
        auto stats = json_of(ace.get(stream_path(stream_id, "/stats")));
        return stats.is_array() && !stats.empty();
      },
      30s));

  book.get("/engines", "EngineStateList");
  book.get("/engines/" + engine_id, "EngineWithStreams");
  book.get("/streams", "StreamStateList");
  book.get("/streams?status=started", "StreamStateList");
  book.get("/streams?container_id=" + engine_id, "StreamStateList");
  book.get(stream_path(stream_id, "/stats"), "StreamStatSnapshotList");
  book.get(stream_path(stream_id, "/stats") + "?since=2000-01-01T00:00:00Z",
           "StreamStatSnapshotList");
  // Two engines of MAX_REPLICAS=2: provisioning is blocked, with the orchestrator's guidance.
  auto full = book.get("/orchestrator/status", "OrchestratorStatus");
  CHECK(full["provisioning"]["blocked_reason_details"]["code"] == "max_capacity");
  book.get("/health/status", "HealthStatus");
  book.get("/vpn/status", "VpnStatus");

  auto ended = book.post("/events/stream_ended", json{{"stream_id", stream_id}, {"reason", "x"}},
                         "StreamEndedResponse");
  CHECK(ended["updated"] == true);
  auto again =
      book.post("/events/stream_ended", json{{"stream_id", stream_id}}, "StreamEndedResponse");
  CHECK(again["updated"] == false);
  viewer.stop();
  auto every = book.get("/streams", "StreamStateList");
  CHECK(every.size() >= 2);  // no status: the ended stream too (the orchestrator's default)
  book.get("/streams?status=ended", "StreamStateList");

  book.post("/health/circuit-breaker/reset", json::object(), "BreakerResetResponse");
  book.post("/scale/1", json::object(), "ScaleResponse");
  book.post("/gc", json::object(), "GcResponse");
  book.del("/containers/" + generic_id, "DeleteResponse");
  // The same calls under the newest orchestrator's prefix.
  book.get("/api/v1/engines", "EngineStateList");
  book.get("/api/v1/orchestrator/status", "OrchestratorStatus");

  auto [ok, report] = book.validate();
  INFO(report);
  CHECK(ok);
  CHECK_THAT(report, Catch::Contains(std::to_string(book.size()) + " of " +
                                     std::to_string(book.size()) + " answers match"));
  CHECK(book.size() >= 24);
}

TEST_CASE("compat: the validator itself refuses an answer that breaks a model") {
  // A check that cannot fail proves nothing: feed it the float seconds acepool used to send.
  temp_dir dir;
  json answers = json::array({{{"call", "GET /health/status (floats)"},
                               {"model", "CircuitBreaker"},
                               {"body",
                                {{"state", "closed"},
                                 {"failure_count", 0},
                                 {"failure_threshold", 5},
                                 {"last_failure_time", nullptr},
                                 {"last_success_time", nullptr},
                                 {"recovery_timeout", 300.0}}}}});
  auto file = dir.write("answers.json", answers.dump());
  auto r = run_program(
      "/usr/bin/python3",
      {compat_dir + "/check_answers.py", compat_dir + "/orchestrator_models.json", file}, {}, 60s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("at recovery_timeout: 300.0 is not of type 'integer'"));
}
