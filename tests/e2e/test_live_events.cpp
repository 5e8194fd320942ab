// GET /events/live, read by libcurl as any SSE client reads it: state changes in order with
// monotonic ids, resuming with Last-Event-ID, a resync when the backlog no longer has them,
// heartbeats, hostile ids, and a subscriber too slow to keep up dropped while the others and the
// actors go on.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// The complete `data:` events of an SSE body whose type starts with `prefix`, in order
/// (comments, `retry:` lines and a frame still arriving left out).
std::vector<json> events_in(const std::string& body, const std::string& prefix) {
  std::vector<json> out;
  size_t start = 0;
  for (auto end = body.find("\n\n"); end != std::string::npos;
       start = end + 2, end = body.find("\n\n", start)) {
    auto frame = body.substr(start, end - start);
    auto data = frame.rfind("data: ", 0) == 0 ? 0 : frame.find("\ndata: ");
    if (data == std::string::npos) continue;
    auto event = json::parse(frame.substr(data + (data == 0 ? 6 : 7)));
    if (event["type"].get<std::string>().rfind(prefix, 0) == 0) out.push_back(std::move(event));
  }
  return out;
}

/// A subscriber keeping everything it reads.
std::unique_ptr<stream_reader> subscribe(const acepool_process& ace, const std::string& path,
                                         std::vector<std::string> headers = {},
                                         int64_t max_bytes_per_s = 0) {
  stream_reader::options o;
  o.keep_bytes = 16 << 20;
  o.headers = std::move(headers);
  o.max_bytes_per_s = max_bytes_per_s;
  if (max_bytes_per_s > 0) o.rcvbuf = 4096;
  auto r = std::make_unique<stream_reader>(ace.url(path), o);
  REQUIRE(r->wait_for_bytes(1, 10s));  // the head and the retry line
  return r;
}

/// The stream (or other `prefix`) events a subscriber has read so far; acepool's own start
/// (Docker adoption) may announce events of its own meanwhile.
std::vector<json> events_of(const stream_reader& r, const std::string& prefix = "stream.") {
  return events_in(r.kept(), prefix);
}

/// Waits until the subscriber has read `n` events of `prefix`.
bool wait_events(const stream_reader& r, size_t n, std::chrono::milliseconds timeout = 20s,
                 const std::string& prefix = "stream.") {
  return eventually([&] { return events_of(r, prefix).size() >= n; }, timeout);
}

/// A started event for a stream on an engine acepool does not know (no engine, no Docker).
json started(const std::string& key) {
  return {{"engine", {{"host", "198.18.0.9"}, {"port", 6878}}},
          {"stream", {{"key_type", "content_id"}, {"key", key}}},
          {"session",
           {{"playback_session_id", "s"},
            {"stat_url", "http://198.18.0.9:6878/ace/stat/x/s"},
            {"command_url", "http://198.18.0.9:6878/ace/cmd/x/s"},
            {"is_live", 1}}}};
}

/// Posts `n` started and `n` ended events for keys `<prefix><i><pad>` in one batch: 2n events
/// on the feed.
void churn_keys(const acepool_process& ace, int n, const std::string& prefix,
                const std::string& pad) {
  json batch{{"started", json::array()}, {"ended", json::array()}};
  for (int i = 0; i < n; ++i) {
    auto key = prefix + std::to_string(i) + pad;
    batch["started"].push_back(started(key));
    batch["ended"].push_back({{"stream_id", key + "|s"}});
  }
  REQUIRE(ace.post("/events/batch", batch.dump()).status == 200);
}

void churn(const acepool_process& ace, int n, const std::string& prefix) {
  churn_keys(ace, n, prefix, "");
}

using settings = std::map<std::string, std::string>;

struct live_pool {
  explicit live_pool(std::map<std::string, std::string> extra = {})
      : ace(pool_env(run, ports, with(std::move(extra)))) {}
  static std::map<std::string, std::string> with(std::map<std::string, std::string> extra) {
    extra.emplace("MIN_REPLICAS", "0");
    extra.emplace("MIN_FREE_REPLICAS", "0");
    return extra;
  }
  docker_run_scope run;
  port_block ports;
  acepool_process ace;
};

}  // namespace

TEST_CASE("live events: stream changes arrive in order with increasing ids and their fields") {
  require_docker();
  live_pool pool;
  auto& ace = pool.ace;
  auto sub = subscribe(ace, "/events/live");
  CHECK(sub->status() == 200);
  CHECK(sub->content_type() == "text/event-stream; charset=utf-8");
  CHECK(sub->kept().rfind("retry: 3000\n\n", 0) == 0);
  REQUIRE(ace.post("/events/stream_started", started("news").dump()).status == 200);
  REQUIRE(ace.post("/events/stream_ended", json{{"stream_id", "news|s"}}.dump()).status == 200);
  REQUIRE(wait_events(*sub, 2));
  const auto events = events_of(*sub);
  CHECK(events[0]["type"] == "stream.started");
  CHECK(events[0]["data"]["stream"] == "news|s");
  CHECK(events[0]["data"]["key"] == "news");
  CHECK(events[0]["data"]["engine_known"] == false);
  CHECK(events[1]["type"] == "stream.ended");
  CHECK(events[1]["data"]["reason"] == "ended_by_event");
  CHECK(events[1]["id"].get<uint64_t>() > events[0]["id"].get<uint64_t>());
  CHECK(events[0]["time"].get<std::string>().back() == 'Z');
  // Under the orchestrator's newer prefix too; the SSE id line matches the JSON id.
  auto prefixed = subscribe(ace, "/api/v1/events/live?after=" + events[0]["id"].dump());
  REQUIRE(wait_events(*prefixed, 1));
  CHECK(events_of(*prefixed)[0] == events[1]);
  CHECK_THAT(sub->kept(), Catch::Contains("id: " + events[1]["id"].dump() + "\ndata: "));
}

TEST_CASE("live events: Last-Event-ID resumes after the event it names, or says to resync") {
  require_docker();
  live_pool pool(settings{{"LIVE_EVENTS_BACKLOG", "16"}});
  auto& ace = pool.ace;
  auto first = subscribe(ace, "/events/live");
  churn(ace, 3, "a");
  REQUIRE(wait_events(*first, 6));
  auto seen = events_of(*first);
  auto second_id = seen[1]["id"].get<uint64_t>();

  auto resumed = subscribe(ace, "/events/live", {"Last-Event-ID: " + std::to_string(second_id)});
  REQUIRE(wait_events(*resumed, 4));
  auto rest = events_of(*resumed);
  CHECK(rest == std::vector<json>(seen.begin() + 2, seen.end()));

  // 40 more, announced before the batch is answered: the first ones are out of the backlog of
  // 16 (and `first`, 40 events behind at once, may well have been dropped for it).
  churn(ace, 20, "b");
  auto stale = subscribe(ace, "/events/live", {"Last-Event-ID: " + std::to_string(second_id)});
  REQUIRE(wait_events(*stale, 1, 20s, "feed."));
  const auto told = events_of(*stale, "");
  CHECK(told[0]["type"] == "feed.resync");
  CHECK(told[0]["id"].is_null());
  CHECK(told[0]["data"]["after"] == second_id);
  churn(ace, 1, "c");  // then it follows from now on, nothing replayed
  REQUIRE(wait_events(*stale, 2));
  const auto followed = events_of(*stale);
  CHECK(followed.size() == 2);
  CHECK(followed[0]["data"]["stream"] == "c0|s");
  // An id of an earlier process (ids start at its start time) is older than any kept.
  auto old = subscribe(ace, "/events/live", {"Last-Event-ID: 12"});
  REQUIRE(wait_events(*old, 1, 20s, "feed."));
  CHECK(events_of(*old, "")[0]["type"] == "feed.resync");
}

TEST_CASE("live events: a bad Last-Event-ID is a 400, idle subscribers get heartbeats") {
  require_docker();
  live_pool pool(
      settings{{"LIVE_EVENTS_HEARTBEAT_S", "0.2"}, {"LIVE_EVENTS_MAX_SUBSCRIBERS", "2"}});
  auto& ace = pool.ace;
  for (const auto& bad : {"abc", "-1", "99999999999999999999", "1 2", "0x10"}) {
    INFO(bad);
    auto r = ace.get("/events/live", {std::string("Last-Event-ID: ") + bad});
    CHECK(r.status == 400);
    CHECK_THAT(json_of(r)["detail"].get<std::string>(), Catch::Contains("Last-Event-ID"));
  }
  auto r = ace.get("/events/live?after=%FF");
  CHECK(r.status == 400);
  auto idle = subscribe(ace, "/events/live");
  CHECK(
      eventually([&] { return idle->kept().find(": keep-alive\n\n") != std::string::npos; }, 10s));
  // At most LIVE_EVENTS_MAX_SUBSCRIBERS: they must not take every MAX_CONNECTIONS place.
  auto second = subscribe(ace, "/events/live");
  auto third = ace.get("/events/live");
  CHECK(third.status == 503);
  CHECK_THAT(json_of(third)["detail"].get<std::string>(),
             Catch::Contains("LIVE_EVENTS_MAX_SUBSCRIBERS"));
  CHECK(ace.get("/health").status == 200);
  second->stop();  // its place is given back when its client hangs up
  std::unique_ptr<stream_reader> again;
  CHECK(eventually(
      [&] {
        stream_reader::options o;
        o.keep_bytes = 1024;
        again = std::make_unique<stream_reader>(ace.url("/events/live"), o);
        again->wait_for_bytes(1, 2s);
        return again->status() == 200;
      },
      10s));
}

TEST_CASE("live events: a subscriber that cannot keep up is dropped, the others get every event") {
  require_docker();
  live_pool pool(settings{{"LIVE_EVENTS_BACKLOG", "2048"}});
  auto& ace = pool.ace;
  auto fast = subscribe(ace, "/events/live");
  auto slow = subscribe(ace, "/events/live", {}, 20000);  // 20 kB/s
  // 4,000 events of about 1.1 kB: far more than the slow reader's socket buffers (about 0.5 MB
  // on acepool's side) and the backlog hold.
  const std::string pad(1000, 'x');
  for (int round = 0; round < 100; ++round)
    churn_keys(ace, 20, "r" + std::to_string(round) + "-", pad);
  // Every actor (the registry that announced all of it included) still answers at once.
  CHECK(ace.get("/health/ready").status == 200);
  REQUIRE(wait_events(*fast, 4000, 60s));
  CHECK(events_of(*fast).size() == 4000);
  auto all = events_of(*fast, "");
  for (size_t i = 1; i < all.size(); ++i)
    REQUIRE(all[i]["id"].get<uint64_t>() == all[i - 1]["id"].get<uint64_t>() + 1);
  // The slow one is cut off once it is behind the backlog, or when a write of it waits longer
  // than CLIENT_WRITE_TIMEOUT_S; what it got has no gap.
  REQUIRE(slow->wait_finished(60s));
  CHECK_THAT(ace.get("/metrics").body, Catch::Contains("acepool_live_dropped_total 1"));
  CHECK(events_of(*slow).size() < 4000);
  auto got = events_of(*slow, "");
  for (size_t i = 1; i < got.size(); ++i)
    REQUIRE(got[i]["id"].get<uint64_t>() == got[i - 1]["id"].get<uint64_t>() + 1);
}
