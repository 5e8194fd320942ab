// The relay on engine containers of the real daemon: an engine provisioned on demand for a
// stream, the engine's address taken from the provisioning result, and failover when the
// engine serving a stream is deleted through the API.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

json relay_pool_status(const acepool_process& ace, const std::string& key) {
  return json_of(ace.get("/ace/status?id=" + key));
}

}  // namespace

TEST_CASE("relay e2e: no free engine provisions one on demand and streams from it") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "0"}, {"MIN_FREE_REPLICAS", "0"}}));
  REQUIRE(ace.engines().empty());
  stream_reader r(ace.url("/ace/getstream?id=0a0a0a0a"));
  REQUIRE(r.wait_for_bytes(100000, 60s));
  CHECK(r.status() == 200);
  CHECK(r.report().sync_errors == 0);
  auto engines = ace.engines();
  REQUIRE(engines.size() == 1);
  auto status = relay_pool_status(ace, "0a0a0a0a");
  CHECK(status["engine"]["container_id"] == engines[0]["container_id"]);
  CHECK(status["engine"]["port"] == engines[0]["port"]);
  CHECK(managed_containers(run, false).size() == 1);
}

TEST_CASE("relay e2e: deleting the serving engine through the API fails the stream over") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "2"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 60s));
  stream_reader r(ace.url("/ace/getstream?id=0b0b0b0b"));
  REQUIRE(r.wait_for_bytes(100000, 60s));
  auto before = relay_pool_status(ace, "0b0b0b0b");
  auto serving = before["engine"]["container_id"].get<std::string>();
  REQUIRE(ace.del("/containers/" + serving).status == 200);
  REQUIRE(eventually(
      [&] {
        auto now = relay_pool_status(ace, "0b0b0b0b");
        return now["engine"].is_object() && now["engine"]["container_id"] != serving;
      },
      30s));
  auto at_failover = r.bytes();
  REQUIRE(r.wait_for_bytes(at_failover + 100000, 30s));
  CHECK_FALSE(r.finished());
  CHECK(r.report().sync_errors == 0);
  CHECK(relay_pool_status(ace, "0b0b0b0b")["stream_id"] == before["stream_id"]);
}
