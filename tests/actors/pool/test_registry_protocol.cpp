#include <catch2/catch.hpp>

#include <caf/after.hpp>

#include "actors/messages.hpp"
#include "actors/pool/engine_registry.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/published_state.hpp"
#include "actors/store/database.hpp"
#include "config/settings_loader.hpp"
#include "tests/common/deterministic_actors.hpp"
#include "tests/common/engine_fixtures.hpp"

// The engine registry's protocol on CAF's deterministic scheduler: what the provisioner, the
// docker watcher, the relay and /events send it, and what it publishes.
using namespace acepool;
using namespace acepool::actors;

namespace {

config::settings settings_of(const config::env_map& env) {
  auto loaded = config::load_settings(env, {});
  REQUIRE(loaded.loaded);
  return loaded.loaded->values;
}

struct registry_rig {
  testing::deterministic_actors da;
  std::shared_ptr<actor_directory> directory = std::make_shared<actor_directory>();
  config::settings settings = settings_of({{"MAX_REPLICAS", "2"}});
  published_state published{settings};
  engine_registry_handle registry;

  registry_rig() {
    registry = spawn_engine_registry(da.sys, *directory, published, settings, {}, {});
    da.run();
  }
  ~registry_rig() {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    da.run();
  }

  bool claim(const std::string& id) { return *da.ask<bool>(registry, claim_atom::value, id); }

  void engine_up(const std::string& id, uint16_t port, const std::string& claim = "") {
    da.ask<caf::ok_atom>(registry, engine_up_atom::value, testing::running_engine(id, port), claim);
  }

  stream_record start(const std::string& container, const std::string& key, stream_source src) {
    stream_started_event ev;
    ev.container_id = container;
    ev.engine_host = "127.0.0.1";
    ev.key_type = "content_id";
    ev.key = key;
    ev.playback_session_id = "ps-" + key;
    return *da.ask<stream_record>(registry, stream_started_atom::value, ev, src);
  }

  const stream_record* stream(const std::string& id) const {
    return published.streams.load()->find(id);
  }
};

}  // namespace

TEST_CASE("registry protocol: claims and engines share MAX_REPLICAS, the snapshot shows both") {
  registry_rig rig;
  CHECK(rig.claim("op-1"));
  CHECK(rig.claim("op-2"));
  CHECK_FALSE(rig.claim("op-3"));
  rig.engine_up("e1", 19001, "op-1");  // the claim becomes the engine
  auto snap = rig.published.engines.load();
  REQUIRE(snap->engines.size() == 1);
  CHECK(snap->engines[0].port == 19001);
  CHECK(snap->claims == 1);
  CHECK_FALSE(rig.claim("op-3"));  // still one engine and one claim
  rig.da.ask<caf::ok_atom>(rig.registry, unclaim_atom::value, std::string("op-2"));
  CHECK(rig.claim("op-3"));
}

TEST_CASE("registry protocol: an engine that dies ends proxies' streams, relay streams fail over") {
  registry_rig rig;
  rig.engine_up("e1", 19001);
  auto reported = rig.start("e1", "reported", stream_source::event);
  auto relayed = rig.start("e1", "relayed", stream_source::relay);
  CHECK(rig.published.engines.load()->engines[0].streams.size() == 2);
  auto gone = rig.da.ask<std::string>(rig.registry, engine_gone_atom::value, std::string("e1"));
  CHECK(gone == std::optional<std::string>("e1"));  // unexpected: acepool did not stop it
  REQUIRE(rig.stream(reported.id) != nullptr);
  CHECK(rig.stream(reported.id)->ended);
  CHECK(rig.stream(reported.id)->end_reason == std::optional<std::string>("engine_removed"));
  CHECK_FALSE(rig.stream(relayed.id)->ended);  // its relay fails over to another engine
  CHECK(rig.published.engines.load()->engines.empty());
}

TEST_CASE("registry protocol: streams end with their engine right after a stats update too") {
  // A stats update replaces the stream's record before the next publication: ending the
  // stream must not read the replaced record (ASan in the checked build watches this).
  registry_rig rig;
  rig.engine_up("e1", 19001);
  auto reported = rig.start("e1", "reported", stream_source::event);
  stats_snapshot snap;
  snap.ts = std::chrono::system_clock::now();
  snap.peers = 3;
  // Two updates: the second replaces a record no published snapshot shares.
  rig.da.self->send(rig.registry, stream_stats_atom::value, reported.id, snap);
  rig.da.self->send(rig.registry, stream_stats_atom::value, reported.id, snap);
  rig.da.self->send(rig.registry, engine_gone_atom::value, std::string("e1"));
  rig.da.run();
  rig.da.self->receive([](const std::string&) {}, caf::after(std::chrono::seconds(0)) >> [] {});
  REQUIRE(rig.stream(reported.id) != nullptr);
  CHECK(rig.stream(reported.id)->ended);
  CHECK(rig.stream(reported.id)->latest->peers == std::optional<int64_t>(3));
}

TEST_CASE(
    "registry protocol: a stopping engine's death is expected, a second report changes nothing") {
  registry_rig rig;
  rig.engine_up("e1", 19001);
  CHECK(*rig.da.ask<std::string>(rig.registry, engine_stopping_atom::value, std::string("e1")) ==
        "e1");
  CHECK(rig.published.engines.load()->engines[0].state == engine_state::stopping);
  CHECK(*rig.da.ask<std::string>(rig.registry, engine_gone_atom::value, std::string("e1")) == "");
  CHECK(*rig.da.ask<std::string>(rig.registry, engine_gone_atom::value, std::string("e1")) == "");
}

TEST_CASE("registry protocol: a Docker listing adopts running engines and forgets vanished ones") {
  registry_rig rig;
  rig.engine_up("old", 19001);
  const int64_t listed_at = std::chrono::steady_clock::now().time_since_epoch().count();
  std::vector<docker::container_summary> running{
      testing::running_engine_container("adopted", 19002)};
  auto forgotten = rig.da.ask<std::vector<std::string>>(rig.registry, sync_engines_atom::value,
                                                        running, listed_at);
  REQUIRE(forgotten);
  CHECK(*forgotten == std::vector<std::string>{"old"});
  auto snap = rig.published.engines.load();
  REQUIRE(snap->engines.size() == 1);
  CHECK(snap->engines[0].container_id == "adopted");
  CHECK(snap->engines[0].port == 19002);
}

TEST_CASE("registry protocol: a relay's reservation holds its engine until the record exists") {
  registry_rig rig;
  rig.engine_up("e1", 19001);  // MAX_STREAMS_PER_ENGINE defaults to 1
  auto first = rig.da.ask<engine_choice>(rig.registry, select_engine_atom::value,
                                         std::string("relay/a/1"), engine_wishes{}, std::string());
  REQUIRE(first);
  REQUIRE(first->engine);
  auto second = rig.da.ask<engine_choice>(rig.registry, select_engine_atom::value,
                                          std::string("relay/b/1"), engine_wishes{}, std::string());
  REQUIRE(second);
  CHECK_FALSE(second->engine);  // the one engine is being opened for "a"
  rig.da.self->send(rig.registry, release_engine_atom::value, std::string("relay/a/1"));
  rig.da.run();
  auto third = rig.da.ask<engine_choice>(rig.registry, select_engine_atom::value,
                                         std::string("relay/b/2"), engine_wishes{}, std::string());
  REQUIRE(third);
  CHECK(third->engine);
}

TEST_CASE("registry protocol: the history of an unknown stream is not found, not an empty list") {
  registry_rig rig;
  rig.engine_up("e1", 19001);
  auto s = rig.start("e1", "k1", stream_source::event);
  stats_snapshot snap;
  snap.peers = 3;
  rig.da.self->send(rig.registry, stream_stats_atom::value, s.id, snap);
  rig.da.run();
  auto known = rig.da.ask_or_error<std::vector<stats_snapshot>>(
      rig.registry, stream_history_atom::value, s.id, int64_t{0});
  REQUIRE(known);
  REQUIRE(known->size() == 1);
  CHECK((*known)[0].peers == 3);
  auto ghost = rig.da.ask_or_error<std::vector<stats_snapshot>>(
      rig.registry, stream_history_atom::value, std::string("ghost"), int64_t{0});
  REQUIRE_FALSE(ghost);
  auto failure = as_request_failure(ghost.error());
  REQUIRE(failure);
  CHECK(failure->code == request_error::not_found);
  CHECK(failure->detail == "stream not found");
}
