#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/engine_json.hpp"

using namespace acepool;
using nlohmann::json;

namespace {

actors::engine_record engine(const std::string& id, uint16_t port) {
  actors::engine_record e;
  e.container_id = id;
  e.container_name = "acestream-1";
  e.host = "127.0.0.1";
  e.port = port;
  e.streams = {"abc|ps1"};
  return e;
}

}  // namespace

TEST_CASE("the Engine object carries docs/api.md's fields, the advertised host when set") {
  auto j = http::engine_json(engine("c1", 19001), std::nullopt);
  for (const char* k : {"container_id",
                        "container_name",
                        "host",
                        "port",
                        "labels",
                        "first_seen",
                        "last_seen",
                        "streams",
                        "health_status",
                        "last_health_check",
                        "last_stream_usage",
                        "last_cache_cleanup",
                        "cache_size_bytes",
                        "forwarded",
                        "forwarded_port",
                        "vpn_container",
                        "image",
                        "state",
                        "node",
                        "node_addr"})
    CHECK(j.contains(k));
  CHECK(j["node"].is_null());  // not in swarm mode
  CHECK(j["host"] == "127.0.0.1");
  CHECK(j["streams"] == json{"abc|ps1"});
  CHECK(j["last_health_check"].is_null());
  CHECK(http::engine_json(engine("c1", 19001), std::string("engines.lan"))["host"] ==
        "engines.lan");
}

TEST_CASE("in swarm mode an engine names the node its task runs on and that node's address") {
  auto e = engine("s1", 19001);
  e.labels["acepool.swarm.node"] = "n2";
  e.labels["acepool.swarm.node_addr"] = "10.0.0.12";
  auto j = http::engine_json(e, std::nullopt);
  CHECK(j["node"] == "n2");
  CHECK(j["node_addr"] == "10.0.0.12");
}

TEST_CASE("the /engines body is rendered once per snapshot and shared by every reader") {
  actors::engines_snapshot snap;
  snap.version = 7;
  snap.engines = {engine("c1", 19001), engine("c2", 19002)};
  const auto& first = http::engines_body(snap);
  auto parsed = json::parse(first);
  REQUIRE(parsed.size() == 2);
  CHECK(parsed[1]["port"] == 19002);
  auto copy = snap;  // a reader holding the same published version
  CHECK(&http::engines_body(copy) == &first);
  actors::engines_snapshot next;  // a new version renders its own body
  next.engines = {engine("c3", 19003)};
  CHECK(json::parse(http::engines_body(next)).size() == 1);
  CHECK(json::parse(http::engines_body(snap)).size() == 2);
}
