#include <catch2/catch.hpp>

#include "actors/pool/engine_table.hpp"
#include "config/settings.hpp"
#include "tests/common/engine_fixtures.hpp"

using namespace acepool;
using namespace acepool::actors;
using acepool::testing::running_engine;
using acepool::testing::running_engine_container;
using namespace std::chrono_literals;

namespace {

// Fixed points on both clocks: the table takes time as a parameter, never reads a clock.
const auto table_t0 = engine_table::steady::time_point{} + 1000h;
const auto table_w0 = engine_table::wall::time_point{} + 1000h;

/// An engine table with the stream book it reads which stream runs where.
struct table_rig {
  stream_book book{10};
  engine_table t;
  explicit table_rig(int cap) : t(cap, book) {}

  void start_stream(const std::string& id, const std::string& container,
                    engine_table::wall::time_point at) {
    stream_record r;
    r.id = id;
    r.container_id = container;
    r.started_at = at;
    book.start(std::move(r));
    t.streams_changed_on(container, at, table_t0);
  }
  void end_stream(const std::string& id, engine_table::wall::time_point at,
                  engine_table::steady::time_point now) {
    auto container = book.find(id)->container_id;
    book.end(id, "stopped_by_api", at);
    t.streams_changed_on(container, at, now);
  }
};

}  // namespace

TEST_CASE(
    "engine table: the cap counts engines not stopping plus claims, a claim is granted once") {
  table_rig rig(2);
  auto& t = rig.t;
  CHECK(t.engine_up(running_engine("a", 19001), "", table_w0, table_t0));
  CHECK(t.claim("c1"));
  CHECK(t.claim("c1"));  // idempotent: still one claim
  CHECK_FALSE(t.claim("c2"));
  REQUIRE(t.mark_stopping("a"));  // a stopping engine no longer counts
  CHECK(t.claim("c2"));
  CHECK(t.unclaim("c2"));
  CHECK_FALSE(t.unclaim("c2"));
}

TEST_CASE("engine table: a replacement may exceed the cap by one, only for a managed engine") {
  table_rig rig(1);
  auto& t = rig.t;
  t.engine_up(running_engine("old", 19001), "", table_w0, table_t0);
  t.add_static("10.0.0.9", 6878, table_w0, table_t0);
  CHECK_FALSE(t.claim("plain"));
  CHECK_FALSE(t.claim_replacement("r0", "static-10.0.0.9-6878"));
  CHECK_FALSE(t.claim_replacement("r0", "nobody"));
  CHECK(t.claim_replacement("r1", "old"));
  CHECK_FALSE(t.claim_replacement("r2", "old"));  // one more, not two
}

TEST_CASE("engine table: an engine that comes up replaces its claim and keeps what was known") {
  table_rig rig(5);
  auto& t = rig.t;
  t.remember_first_seen({{"b", table_w0 - 24h}});
  REQUIRE(t.claim("c1"));
  t.bind_claim("c1", "b");
  CHECK(t.engine_up(running_engine("b", 19002), "c1", table_w0, table_t0));
  CHECK(t.claims().empty());
  CHECK(t.engines().at("b").first_seen == table_w0 - 24h);  // the database remembered it
  auto again = running_engine("b", 19002);
  CHECK_FALSE(t.engine_up(again, "", table_w0 + 1h, table_t0 + 1h));
  CHECK(t.engines().at("b").last_seen == table_w0 + 1h);
}

TEST_CASE("engine table: removing a stopping engine is expected, static engines stay") {
  table_rig rig(5);
  auto& t = rig.t;
  t.engine_up(running_engine("a", 19001), "", table_w0, table_t0);
  t.engine_up(running_engine("b", 19002), "", table_w0, table_t0);
  t.add_static("10.0.0.9", 6878, table_w0, table_t0);
  auto stopping = t.mark_stopping("a");
  REQUIRE(stopping);
  CHECK(stopping->second);
  CHECK_FALSE(t.mark_stopping("a")->second);             // already stopping
  CHECK_FALSE(t.set_state("a", engine_state::running));  // stopping is final
  CHECK(t.remove("a")->expected);
  CHECK_FALSE(t.remove("b")->expected);  // died on its own
  CHECK_FALSE(t.remove("static-10.0.0.9-6878"));
  CHECK(t.engines().size() == 1);
}

TEST_CASE("engine table: engines are found by id, name or a unique prefix of 12 characters") {
  table_rig rig(5);
  auto& t = rig.t;
  t.engine_up(running_engine("0123456789abcdef", 19001), "", table_w0, table_t0);
  t.engine_up(running_engine("0123456789abXXXX", 19002), "", table_w0, table_t0);
  CHECK(t.find("0123456789abcdef") != nullptr);
  CHECK(t.find("acestream-19002")->port == 19002);
  CHECK(t.find("0123456789abc")->port == 19001);
  CHECK(t.find("0123456789ab") == nullptr);  // ambiguous
  CHECK(t.find("0123") == nullptr);          // too short to be a prefix
}

TEST_CASE("engine table: a health verdict reports whether the status changed") {
  table_rig rig(5);
  auto& t = rig.t;
  t.engine_up(running_engine("a", 19001), "", table_w0, table_t0);
  CHECK(t.set_health("a", health_status::unhealthy, table_w0) == std::optional<bool>(true));
  CHECK(t.set_health("a", health_status::unhealthy, table_w0 + 1s) == std::optional<bool>(false));
  CHECK(t.engines().at("a").last_health_check == table_w0 + 1s);
  CHECK_FALSE(t.set_health("nobody", health_status::healthy, table_w0));
}

TEST_CASE("engine table: engines Docker no longer lists vanish unless they changed since") {
  table_rig rig(5);
  auto& t = rig.t;
  config::settings s;
  t.engine_up(running_engine("listed", 19001), "", table_w0, table_t0);
  t.engine_up(running_engine("gone", 19002), "", table_w0, table_t0);
  t.engine_up(running_engine("newer", 19003), "", table_w0,
              table_t0 + 10s);  // came up after the listing
  t.add_static("10.0.0.9", 6878, table_w0, table_t0);
  auto out = t.sync({running_engine_container("listed", 19001)}, table_t0 + 5s, s, table_w0,
                    table_t0 + 6s);
  REQUIRE(out.vanished.size() == 1);
  CHECK(out.vanished[0].container_id == "gone");
  CHECK(t.engines().count("newer") == 1);
  CHECK(t.engines().count("static-10.0.0.9-6878") == 1);
  CHECK(t.engines().at("listed").last_seen == table_w0);
}

TEST_CASE("engine table: an engine Swarm is restarting stays, marked, until it runs again") {
  table_rig rig(5);
  auto& t = rig.t;
  config::settings s;
  t.engine_up(running_engine("known", 19001), "", table_w0, table_t0);
  auto restarting = [](const std::string& id, uint16_t port) {
    auto c = running_engine_container(id, port);
    c.state = "restarting";
    return c;
  };
  auto out = t.sync({restarting("known", 19001), restarting("unknown", 19002)}, table_t0 + 5s, s,
                    table_w0, table_t0 + 6s);
  // The pool still counts both (no replacement while Swarm restarts them), no stream goes to
  // either, and one that never runs again is replaced through its health like any engine.
  CHECK(out.vanished.empty());
  REQUIRE(t.engines().count("known") == 1);
  REQUIRE(t.engines().count("unknown") == 1);
  CHECK(t.engines().at("known").restarting);
  CHECK(t.engines().at("unknown").restarting);
  CHECK_FALSE(t.reserve("r1", {}, 5, std::nullopt).has_value());
  t.sync({running_engine_container("known", 19001)}, table_t0 + 9s, s, table_w0, table_t0 + 10s);
  CHECK_FALSE(t.engines().at("known").restarting);
  CHECK(t.reserve("r2", {}, 5, std::nullopt).value().container_id == "known");
}

TEST_CASE("engine table: running managed containers are adopted with their streams, claims' not") {
  table_rig rig(5);
  auto& t = rig.t;
  config::settings s;
  t.remember_first_seen({{"old", table_w0 - 48h}});
  REQUIRE(t.claim("c1"));
  t.bind_claim("c1", "booting");
  rig.start_stream("abc|ps1", "old", table_w0 - 1h);  // reported before a restart
  auto out =
      t.sync({running_engine_container("old", 19001), running_engine_container("booting", 19002)},
             table_t0, s, table_w0, table_t0);
  CHECK(out.adopted == std::vector<std::string>{"old"});
  const auto& e = t.engines().at("old");
  CHECK(e.port == 19001);
  CHECK(t.sizing().engines.at(0).streams == 1);  // its stream counts on it
  CHECK(e.first_seen == table_w0 - 48h);
  CHECK_FALSE(e.created);  // past any startup grace
  CHECK(e.idle_since == table_t0);
  CHECK(t.engines().count("booting") == 0);  // its own operation registers it
  CHECK(t.managed_count() == 1);
}

TEST_CASE("engine table: a container without a usable port is reported once and never counted") {
  table_rig rig(5);
  auto& t = rig.t;
  config::settings s;
  auto broken = running_engine_container("broken", 19001);
  broken.labels.erase("acestream.http_port");
  auto first = t.sync({broken}, table_t0, s, table_w0, table_t0);
  CHECK(first.newly_unadoptable.count("broken") == 1);
  CHECK(t.engines().empty());
  auto second = t.sync({broken}, table_t0 + 1s, s, table_w0, table_t0 + 1s);
  CHECK(second.newly_unadoptable.empty());
  CHECK(t.unadoptable().count("broken") == 1);
  t.sync({}, table_t0 + 2s, s, table_w0, table_t0 + 2s);  // removed by hand
  CHECK(t.unadoptable().empty());
}

TEST_CASE("engine table: a session being opened counts on its engine until released") {
  table_rig rig(5);
  auto& t = rig.t;
  t.engine_up(running_engine("a", 19001), "", table_w0, table_t0);
  t.engine_up(running_engine("b", 19002), "", table_w0, table_t0);
  auto first = t.reserve("r1", {}, 1, std::nullopt);
  REQUIRE(first);
  auto second = t.reserve("r2", {}, 1, std::nullopt);
  REQUIRE(second);
  CHECK(second->container_id != first->container_id);
  CHECK_FALSE(t.reserve("r3", {}, 1, std::nullopt));  // both full
  // A failing-over stream's own record does not occupy the engine it may return to.
  rig.start_stream("s1", "a", table_w0);
  t.release("r1");
  t.release("r2");
  CHECK_FALSE(t.reserve("r4", {"a", {}, {}, {}}, 1, std::nullopt)->container_id == "a");
  t.release("r4");
  CHECK(t.reserve("r5", {"a", {}, {}, {}}, 1, std::string("a"))->container_id == "a");
}

TEST_CASE("engine table: an engine left without streams is idle from then") {
  table_rig rig(5);
  auto& t = rig.t;
  t.engine_up(running_engine("a", 19001), "", table_w0, table_t0);
  rig.start_stream("s1", "a", table_w0);
  rig.start_stream("s2", "a", table_w0);
  CHECK(t.sizing().engines.at(0).streams == 2);
  rig.end_stream("s1", table_w0 + 1s, table_t0 + 1s);
  CHECK(t.engines().at("a").idle_since != table_t0 + 1s);
  rig.end_stream("s2", table_w0 + 2s, table_t0 + 2s);
  CHECK(t.engines().at("a").idle_since == table_t0 + 2s);
  CHECK(t.engines().at("a").last_stream_usage == table_w0 + 2s);
  CHECK(t.sizing().engines.at(0).streams == 0);
}

TEST_CASE("engine table: a Swarm engine whose task moved is reached at its new node") {
  table_rig rig(5);
  auto& t = rig.t;
  config::settings s;
  auto on_node = [](const std::string& node, const std::string& addr) {
    auto c = running_engine_container("svc", 19001);
    c.labels["acepool.swarm.node"] = node;
    c.labels["acepool.swarm.node_addr"] = addr;
    return c;
  };
  t.sync({on_node("n1", "10.0.0.11")}, table_t0, s, table_w0, table_t0);
  CHECK(t.engines().at("svc").host == "10.0.0.11");
  // Swarm restarted it on another node between two listings.
  t.sync({on_node("n2", "10.0.0.12")}, table_t0 + 5s, s, table_w0 + 5s, table_t0 + 5s);
  const auto& e = t.engines().at("svc");
  CHECK(e.host == "10.0.0.12");
  CHECK(e.labels.at("acepool.swarm.node") == "n2");
  CHECK(e.labels.at("acepool.swarm.node_addr") == "10.0.0.12");
  // Two nodes on one address (one host): the node id alone says it moved.
  t.sync({on_node("n3", "10.0.0.12")}, table_t0 + 9s, s, table_w0 + 9s, table_t0 + 9s);
  CHECK(t.engines().at("svc").labels.at("acepool.swarm.node") == "n3");
  CHECK(t.engines().at("svc").host == "10.0.0.12");
}
