// Stream records driven the way an external acexy drives them (events API), against engine
// containers on the real daemon: matching, idempotency, the exact-id rule, stats polling, stale
// sessions, DELETE, AUTO_DELETE on a real stream end, and history across a restart.
#include <catch2/catch.hpp>

#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/engine_endpoint.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_events.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// One engine container and acepool polling stats every 0.2 s.
std::map<std::string, std::string> events_env(const docker_run_scope& run, const port_block& ports,
                                              std::map<std::string, std::string> extra = {}) {
  extra.emplace("MIN_REPLICAS", "1");
  extra.emplace("COLLECT_INTERVAL_S", "0.2");
  return pool_env(run, ports, extra);
}

json only_engine(const acepool_process& ace) {
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 30s));
  return ace.engines()[0];
}

json status(const acepool_process& ace) {
  return json_of(ace.get("/orchestrator/status"));
}

/// acepool with one engine container (require_docker() first): the setting of most tests here.
struct one_engine_pool {
  explicit one_engine_pool(std::map<std::string, std::string> extra = {})
      : ace(events_env(run, ports, std::move(extra))),
        engine(only_engine(ace)),
        port(engine["port"].get<uint16_t>()) {}
  docker_run_scope run;
  port_block ports;
  acepool_process ace;
  json engine;  ///< its record in GET /engines at start
  uint16_t port;
};

}  // namespace

TEST_CASE("events: a stream reported with localhost:<host port> lands on the right engine, once") {
  require_docker();
  one_engine_pool pool;
  auto& ace = pool.ace;
  auto engine = pool.engine;
  auto port = engine["port"].get<uint16_t>();
  auto id = engine["container_id"].get<std::string>();

  auto reply = report_stream(ace, port, "news");
  REQUIRE(reply.status == 200);
  auto stream = json_of(reply);
  CHECK(stream["container_id"] == id);
  CHECK(stream["status"] == "started");
  CHECK(stream["source"] == "event");
  CHECK(stream["key"] == "news");
  auto sid = stream["id"].get<std::string>();
  CHECK(sid == "news|" + stream["playback_session_id"].get<std::string>());
  CHECK(stream["started_at"].get<std::string>().back() == 'Z');

  // The same event again changes nothing.
  auto session = json{{"playback_session_id", stream["playback_session_id"]},
                      {"stat_url", stream["stat_url"]},
                      {"command_url", stream["command_url"]},
                      {"is_live", 1}};
  auto again =
      ace.post("/events/stream_started", started_event("localhost", port, "news", session).dump());
  CHECK(json_of(again)["id"] == sid);
  CHECK(json_of(ace.get("/streams")).size() == 1);

  // The stream counts for the engine and the pool.
  CHECK(ace.engines()[0]["streams"] == json::array({sid}));
  auto detail = json_of(ace.get("/engines/" + id));
  REQUIRE(detail["streams"].size() == 1);
  CHECK(detail["streams"][0]["id"] == sid);
  auto s = status(ace);
  CHECK(s["streams"]["active"] == 1);
  CHECK(s["capacity"]["used"] == 1);
  CHECK(s["capacity"]["available"] == 0);
  auto scores = json_of(ace.get("/engines/health-score"));
  CHECK(scores[0]["stream_count"] == 1);
  CHECK(scores[0]["health_score"] == 90);  // 100 − 20 per stream + 10 for recent use

  auto by_path = ace.get(stream_path(sid));
  REQUIRE(by_path.status == 200);
  CHECK(json_of(by_path)["id"] == sid);
  CHECK(json_of(ace.get("/streams?container_id=" + id)).size() == 1);
  CHECK(json_of(ace.get("/streams?container_id=" + id.substr(0, 12))).size() == 1);
  CHECK(json_of(ace.get("/streams?container_id=other")).empty());
  CHECK(ace.get("/streams?status=running").status == 422);
  CHECK(json_of(ace.get(stream_path("nope")))["detail"] == "stream not found");
  auto metrics = ace.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("acepool_events_total{type=\"stream_started\"} 2"));
  CHECK_THAT(metrics, Catch::Contains("acepool_streams_active 1"));
  // The orchestrator's names for its dashboards: the repeated event started no second stream.
  CHECK_THAT(metrics, Catch::Contains("orch_events_started_total 1\n"));
  CHECK_THAT(metrics, Catch::Contains("orch_events_ended_total 0\n"));
  CHECK_THAT(metrics, Catch::Contains("orch_streams_active 1\n"));
}

TEST_CASE(
    "events: stream_ended ends exactly the named stream, unknown ids and repeats change nothing") {
  require_docker();
  one_engine_pool pool;
  auto& ace = pool.ace;
  auto port = pool.port;
  auto sid = json_of(report_stream(ace, port, "match"))["id"].get<std::string>();

  for (const auto* body : {R"({"stream_id":"match|unknown"})", R"({})", R"({"stream_id":null})"}) {
    auto r = ace.post("/events/stream_ended", body);
    REQUIRE(r.status == 200);
    CHECK(json_of(r) == json{{"updated", false}, {"stream", nullptr}});
  }
  CHECK(json_of(ace.get(stream_path(sid)))["status"] == "started");  // nothing else ended
  CHECK(ace.post("/events/stream_ended", R"({"stream_id":5})").status == 422);

  auto ended = json_of(ace.post("/events/stream_ended", json{{"stream_id", sid}}.dump()));
  CHECK(ended["updated"] == true);
  CHECK(ended["stream"]["status"] == "ended");
  CHECK(ended["stream"]["end_reason"] == "ended_by_event");
  CHECK(ended["stream"]["ended_at"].is_string());
  auto twice =
      json_of(ace.post("/events/stream_ended", json{{"stream_id", sid}, {"reason", "x"}}.dump()));
  CHECK(twice["updated"] == false);
  CHECK(twice["stream"]["id"] == sid);
  CHECK(twice["stream"]["end_reason"] == "ended_by_event");

  CHECK(json_of(ace.get("/streams?status=started")).empty());
  CHECK(json_of(ace.get("/streams?status=ended")).size() == 1);
  auto every = json_of(ace.get("/streams"));  // no status: started and ended (the orchestrator's)
  REQUIRE(every.size() == 1);
  CHECK(every[0]["status"] == "ended");
  CHECK(ace.engines()[0]["streams"].empty());
  CHECK(status(ace)["streams"] == json{{"active", 0}, {"total", 1}});
}

TEST_CASE("events: a stream on an unknown engine is recorded without inventing an engine") {
  require_docker();
  one_engine_pool pool;
  auto& ace = pool.ace;
  json session{{"playback_session_id", "p1"},
               {"stat_url", "http://localhost:1/ace/stat/a/b"},
               {"command_url", "http://localhost:1/ace/cmd/a/b"},
               {"is_live", 1}};
  auto r = ace.post("/events/stream_started",
                    started_event("localhost", 1, "elsewhere", session).dump());
  REQUIRE(r.status == 200);
  CHECK(json_of(r)["container_id"] == "");
  CHECK(ace.engines().size() == 1);
  CHECK(ace.engines()[0]["streams"].empty());
}

TEST_CASE("events: a batch is processed item by item, a bad item fails alone") {
  require_docker();
  one_engine_pool pool;
  auto& ace = pool.ace;
  auto port = pool.port;
  auto engine = engine_endpoint(port);
  auto good = started_event("localhost", port, "one", engine.start_session("one"));
  auto bad = good;
  bad["engine"]["port"] = "not a port";
  auto sid = "one|" + good["session"]["playback_session_id"].get<std::string>();
  json batch{{"started", {good, bad}},
             {"ended", {{{"stream_id", sid}}, {{"stream_id", "ghost"}}, {{"stream_id", 1}}}}};
  auto r = ace.post("/events/batch", batch.dump());
  REQUIRE(r.status == 200);
  auto b = json_of(r);
  REQUIRE(b["started"].size() == 2);
  CHECK(b["started"][0] == json{{"success", true}, {"stream_id", sid}});
  CHECK(b["started"][1]["success"] == false);
  CHECK_THAT(b["started"][1]["error"].get<std::string>(), Catch::Contains("port"));
  REQUIRE(b["ended"].size() == 3);
  CHECK(b["ended"][0]["success"] == true);  // in order: started first, then ended
  CHECK(b["ended"][0]["updated"] == true);
  CHECK(b["ended"][1]["success"] == false);
  CHECK(b["ended"][2]["success"] == false);
  CHECK(json_of(ace.get(stream_path(sid)))["status"] == "ended");
  CHECK(ace.post("/events/batch", R"({"started":{}})").status == 422);
  CHECK(ace.post("/events/stream_started", "{bad").status == 422);
  auto missing = json_of(ace.post("/events/stream_started", R"({"engine":{"host":"h","port":1}})"));
  CHECK(missing["detail"][0]["loc"] == json{"body", "stream"});
}

TEST_CASE("events: stats are polled from stat_url and kept oldest first, since filters them") {
  require_docker();
  one_engine_pool pool(std::map<std::string, std::string>{{"STATS_HISTORY_MAX", "5"}});
  auto& ace = pool.ace;
  auto port = pool.port;
  auto sid = json_of(report_stream(ace, port, "stats"))["id"].get<std::string>();
  REQUIRE(
      eventually([&] { return json_of(ace.get(stream_path(sid, "/stats"))).size() == 5; }, 20s));
  REQUIRE(eventually([&] { return json_of(ace.get(stream_path(sid)))["peers"] == 7; }, 5s));
  auto stats = json_of(ace.get(stream_path(sid, "/stats")));
  CHECK(stats.size() == 5);  // bounded by STATS_HISTORY_MAX
  CHECK(stats[0]["ts"] < stats[4]["ts"]);
  CHECK(stats[4]["peers"] == 7);
  auto since = stats[3]["ts"].get<std::string>();
  auto recent = json_of(ace.get(stream_path(sid, "/stats?since=" + since)));
  CHECK(recent.size() >= 2);
  CHECK(recent[0]["ts"] >= since);
  CHECK(ace.get(stream_path(sid, "/stats?since=yesterday")).status == 422);
  CHECK(ace.get(stream_path("ghost", "/stats")).status == 404);
}

TEST_CASE("events: a session the engine no longer knows is ended as stale_stream_detected") {
  require_docker();
  one_engine_pool pool;
  auto& ace = pool.ace;
  auto port = pool.port;
  auto stream = json_of(report_stream(ace, port, "stale"));
  auto sid = stream["id"].get<std::string>();
  // The engine loses the session (here: stopped behind acepool's back).
  auto cmd = stream["command_url"].get<std::string>();
  auto path = cmd.substr(cmd.find("/ace/"));
  CHECK(engine_endpoint(port).get_json(path + "?method=stop")["response"] == "ok");
  REQUIRE(eventually([&] { return json_of(ace.get(stream_path(sid)))["status"] == "ended"; }, 10s));
  CHECK(json_of(ace.get(stream_path(sid)))["end_reason"] == "stale_stream_detected");
  CHECK(ace.engines()[0]["streams"].empty());
}

TEST_CASE("DELETE /streams/{id} stops the engine session and ends the stream") {
  require_docker();
  one_engine_pool pool;
  auto& ace = pool.ace;
  auto port = pool.port;
  auto engine = engine_endpoint(port);
  auto sid = json_of(report_stream(ace, port, "stop-me"))["id"].get<std::string>();
  auto stops = engine.stats()["stops"].get<int>();
  auto r = ace.del(stream_path(sid));
  REQUIRE(r.status == 200);
  CHECK(json_of(r)["stopped"] == true);
  CHECK(json_of(r)["stream"]["end_reason"] == "stopped_by_api");
  CHECK(engine.stats()["stops"] == stops + 1);  // the engine got method=stop
  CHECK(engine.stats()["sessions_active"] == 0);
  CHECK(ace.del(stream_path(sid)).status == 409);
  CHECK(ace.del(stream_path("ghost")).status == 404);
}

TEST_CASE("AUTO_DELETE releases an engine when its last reported stream ends") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports,
                               {{"MIN_REPLICAS", "1"},
                                {"MIN_FREE_REPLICAS", "1"},
                                {"AUTO_DELETE", "true"},
                                {"ENGINE_GRACE_PERIOD_S", "1"},
                                {"AUTOSCALE_INTERVAL_S", "0.5"}}));
  auto busy = only_engine(ace);
  auto sid =
      json_of(report_stream(ace, busy["port"].get<uint16_t>(), "auto"))["id"].get<std::string>();
  // The busy engine no longer counts as free: a second one starts, and both stay while it streams.
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));
  std::this_thread::sleep_for(2s);  // longer than the grace period
  CHECK(ace.engines().size() == 2);
  CHECK(ace.post("/events/stream_ended", json{{"stream_id", sid}}.dump()).status == 200);
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 20s));
  REQUIRE(eventually([&] { return managed_containers(run, false).size() == 1; }, 20s));
}

TEST_CASE("stream history and stats survive an acepool restart with the database on disk") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  temp_dir dir;
  auto env = events_env(run, ports, {{"DB_URL", "sqlite:///" + dir.path() + "/acepool.db"}});
  std::string sid, engine_id;
  json before, first_seen;
  {
    acepool_process ace(env);
    auto engine = only_engine(ace);
    engine_id = engine["container_id"].get<std::string>();
    first_seen = engine["first_seen"];
    sid = json_of(report_stream(ace, engine["port"].get<uint16_t>(), "keep"))["id"]
              .get<std::string>();
    REQUIRE(
        eventually([&] { return json_of(ace.get(stream_path(sid, "/stats"))).size() >= 3; }, 20s));
    before = json_of(ace.get(stream_path(sid, "/stats")));
    CHECK(ace.stop() == 0);
  }
  acepool_process again(env);
  REQUIRE(eventually([&] { return engine_ids(again).count(engine_id) == 1; }, 20s));  // adopted
  auto stream = json_of(again.get(stream_path(sid)));
  CHECK(stream["status"] == "started");
  CHECK(stream["container_id"] == engine_id);
  auto after = json_of(again.get(stream_path(sid, "/stats")));
  REQUIRE(after.size() >= before.size());
  for (size_t i = 0; i < before.size(); ++i)
    CHECK(after[i] == before[i]);
  CHECK(again.engines()[0]["streams"] == json::array({sid}));  // still counts for its engine
  CHECK(again.engines()[0]["first_seen"] == first_seen);       // engines seen are remembered too
}
