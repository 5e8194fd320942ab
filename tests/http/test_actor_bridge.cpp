#include <catch2/catch.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/sec.hpp>
#include <nlohmann/json.hpp>

#include "actors/request_error.hpp"
#include "http/actor_bridge.hpp"

// The one place a reply's error becomes an HTTP answer.
using namespace acepool;
using actors::request_error;

namespace {

struct mapped {
  int status;
  nlohmann::json body;
};

mapped map(const caf::error& err) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  auto r = http::response_for(err, sys, "req-1");
  return {r.status, nlohmann::json::parse(r.body)};
}

}  // namespace

TEST_CASE("actor bridge: each request_error is its status with the actor's own detail") {
  auto gone = map(make_error(request_error::not_found, "stream not found"));
  CHECK(gone.status == 404);
  CHECK(gone.body == nlohmann::json{{"detail", "stream not found"}});
  auto ended = map(make_error(request_error::already_ended, "stream already ended"));
  CHECK(ended.status == 409);
  CHECK(ended.body == nlohmann::json{{"detail", "stream already ended"}});
  auto failed = map(make_error(request_error::failed, "removal failed: docker said no"));
  CHECK(failed.status == 500);
  CHECK(failed.body == nlohmann::json{{"detail", "removal failed: docker said no"}});
}

TEST_CASE("actor bridge: CAF's own failures are a timeout, a shutdown or an internal error") {
  CHECK(map(caf::make_error(caf::sec::request_timeout)).status == 504);
  CHECK(map(caf::make_error(caf::sec::request_receiver_down)).status == 503);
  auto other = map(caf::make_error(caf::sec::unexpected_message));
  CHECK(other.status == 500);
  CHECK(other.body.dump().find("req-1") != std::string::npos);  // the id to find the log line
}

TEST_CASE("request_error: a foreign error or a code out of range is not read as one") {
  CHECK_FALSE(actors::as_request_failure(caf::make_error(caf::sec::request_timeout)));
  CHECK_FALSE(actors::as_request_failure(caf::error(200, caf::atom("acepool"))));
  auto bare = actors::as_request_failure(caf::error(1, caf::atom("acepool")));
  REQUIRE(bare);
  CHECK(bare->code == request_error::not_found);
  CHECK(bare->detail == "not_found");  // no context: the code names itself
}
