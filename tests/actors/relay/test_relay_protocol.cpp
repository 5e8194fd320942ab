#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/relay/stream_hub.hpp"
#include "actors/relay/stream_manager.hpp"
#include "actors/relay/stream_relay.hpp"
#include "tests/common/engine_fixtures.hpp"
#include "tests/common/manual_sink.hpp"
#include "tests/common/provisioning_rig.hpp"

// The relay's protocol with the registry and the provisioner, on CAF's deterministic scheduler
// with an in-memory Docker: clients of one key share one relay, a key without an engine waits
// for the engine the relay provisions, and every failure reaches the waiting clients as one
// answer. No engine answers here (the engine HTTP client refuses every request).
using namespace acepool;
using namespace acepool::actors;
using docker::docker_errc;

namespace {

struct relay_rig : testing::provisioning_rig {
  stream_manager_handle streams;

  explicit relay_rig(config::env_map env = {}) : provisioning_rig(std::move(env)) {
    relay_deps deps;
    deps.settings = &settings;
    deps.published = &published;
    deps.http = testing::stopped_http_client();
    deps.registry = registry;
    deps.provisioner = provisioner;
    deps.counters = std::make_shared<relay::relay_counters>();
    streams = spawn_stream_manager(da.sys, *directory, deps);
    da.run();
  }
  ~relay_rig() {
    caf::anon_send_exit(streams, caf::exit_reason::user_shutdown);
    da.run();
  }

  /// A client asking for `key`, as /ace/getstream hands it to the relay.
  std::shared_ptr<testing::manual_sink> open(const std::string& key) {
    auto sink = std::make_shared<testing::manual_sink>();
    relay_request req;
    req.key = key;
    req.key_type = "content_id";
    req.client = sink;
    da.self->send(streams, open_stream_atom::value, req);
    da.run();
    return sink;
  }

  void wait(int seconds) {
    for (int i = 0; i < seconds; ++i)
      da.advance(std::chrono::seconds(1));
  }
};

const std::string key = "0123456789abcdef0123456789abcdef01234567";

}  // namespace

TEST_CASE("relay protocol: clients of a key without an engine wait for one provisioning") {
  relay_rig rig;
  rig.docker->fail("create", {docker_errc::daemon_unreachable, 0, "connection refused"}, 100);
  auto first = rig.open(key);
  auto second = rig.open(key);
  CHECK(first->status == 0);  // waiting while the relay's engine is being provisioned
  CHECK(second->status == 0);
  rig.wait(10);  // MAX_RETRIES=2: attempts at 0, 1 and 3 s, then the provisioner gives up
  for (const auto& client : {first, second}) {
    CHECK(client->status == 503);
    CHECK_THAT(client->body, Catch::Contains("docker_unavailable"));
    CHECK(client->writes == 0);
  }
  CHECK(rig.docker->calls("create") == 3);  // one operation for both clients, three attempts
  CHECK(rig.claims() == 0);
}

TEST_CASE("relay protocol: an engine the relay cannot open a session on answers 503 at once") {
  relay_rig rig;
  rig.da.ask<caf::ok_atom>(rig.registry, engine_up_atom::value,
                           testing::running_engine("engine-1", 19001), std::string());
  auto client = rig.open(key);
  CHECK(client->status == 503);
  CHECK_THAT(client->body, Catch::Contains("engine HTTP client is saturated"));
  CHECK(client->writes == 0);
  CHECK(rig.docker->calls("create") == 0);  // an engine was there: nothing provisioned
  // A later client of the key starts a new relay, which tries again.
  auto again = rig.open(key);
  CHECK(again->status == 503);
  auto state =
      rig.da.ask<std::string>(caf::actor_cast<caf::actor>(rig.streams), get_state_atom::value);
  REQUIRE(state);
  CHECK(nlohmann::json::parse(*state)["relays_started"] == 2);
}

TEST_CASE(
    "relay protocol: stopping a stream that is unknown or ended is not_found or already_ended") {
  relay_rig rig;
  stream_started_event ev;
  ev.container_id = "e1";
  ev.key_type = "content_id";
  ev.key = "k1";
  ev.playback_session_id = "ps-1";
  auto started =
      rig.da.ask<stream_record>(rig.registry, stream_started_atom::value, ev, stream_source::event);
  REQUIRE(started);
  rig.da.ask<stream_end_result>(rig.registry, end_stream_atom::value, started->id,
                                std::string("ended_by_event"));
  auto stop = [&](const std::string& id) {
    return rig.da.ask_or_error<stream_record>(rig.streams, stop_stream_atom::value, id,
                                              std::string("stopped_by_api"));
  };
  auto ended = stop(started->id);
  REQUIRE_FALSE(ended);
  REQUIRE(as_request_failure(ended.error()));
  CHECK(as_request_failure(ended.error())->code == request_error::already_ended);
  CHECK(as_request_failure(ended.error())->detail == "stream already ended");
  auto unknown = stop("nobody|nothing");
  REQUIRE_FALSE(unknown);
  REQUIRE(as_request_failure(unknown.error()));
  CHECK(as_request_failure(unknown.error())->code == request_error::not_found);
}
