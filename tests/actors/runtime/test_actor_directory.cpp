#include <catch2/catch.hpp>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/actor_metrics.hpp"
#include "actors/runtime/introspection.hpp"
#include "support/metrics_registry.hpp"
#include "tests/common/deterministic_actors.hpp"

using namespace acepool;
using namespace acepool::actors;
using nlohmann::json;

namespace {

/// A counter actor with a summary and a full state, as every real actor has.
struct counter_state {
  static inline const char* name = "counter";
  int total = 0;
  std::vector<int> history;
  json summary() const { return {{"total", total}}; }
  json full_state() const { return {{"total", total}, {"history", history}}; }
};

caf::behavior counter_actor(tracked_actor<counter_state>* self) {
  return introspectable(self, caf::message_handler{
                                  [self](caf::put_atom, int x) {
                                    self->state.total += x;
                                    self->state.history.push_back(x);
                                  },
                              });
}

/// An actor without summary/full_state still answers the standard messages.
struct bare_state {
  static inline const char* name = "bare";
};

caf::behavior bare_actor(tracked_actor<bare_state>* self) {
  return introspectable(self, caf::message_handler{[](caf::get_atom) { return 1; }});
}

}  // namespace

TEST_CASE("a tracked actor counts its messages and reports its own stats") {
  testing::deterministic_actors t;
  auto a = t.sys.spawn(counter_actor);
  for (int i = 1; i <= 3; ++i)
    caf::anon_send(a, caf::put_atom::value, i);
  t.run();
  auto stats = t.ask<std::string>(a, get_stats_atom::value);
  REQUIRE(stats);
  auto j = json::parse(*stats);
  CHECK(j["processed"] == 4);  // three puts and this get_stats
  CHECK(j["mailbox"] == 0);
  CHECK(j["id"] == a.id());
  CHECK(j["state_summary"] == json{{"total", 6}});
  CHECK(j["last_message_at"].get<std::string>().back() == 'Z');
  auto state = t.ask<std::string>(a, get_state_atom::value);
  REQUIRE(state);
  CHECK(json::parse(*state) == json{{"total", 6}, {"history", {1, 2, 3}}});
  CHECK(t.ask<caf::ok_atom>(a, ping_atom::value));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("an actor's published mailbox size counts messages still waiting") {
  testing::deterministic_actors t;
  auto a = t.sys.spawn(counter_actor);
  auto dir = std::make_shared<actor_directory>();
  dir->add(a, "counter", "counter");
  t.run();
  for (int i = 0; i < 5; ++i)
    caf::anon_send(a, caf::put_atom::value, 1);
  // Process exactly one message: four are still queued when the actor publishes its size.
  t.sched.run_once();
  CHECK(dir->find("counter")->vitals->mailbox.load() == 4);
  CHECK(dir->find("counter")->vitals->processed.load() == 1);
  t.run();
  CHECK(dir->find("counter")->vitals->mailbox.load() == 0);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("actors without a summary still answer stats, state and ping") {
  testing::deterministic_actors t;
  auto a = t.sys.spawn(bare_actor);
  auto stats = t.ask<std::string>(a, get_stats_atom::value);
  REQUIRE(stats);
  CHECK(json::parse(*stats)["state_summary"] == json::object());
  CHECK(t.ask<std::string>(a, get_state_atom::value) == std::string("{}"));
  CHECK(t.ask<int>(a, caf::get_atom::value) == 1);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("the directory lists registered actors and forgets them when they exit") {
  testing::deterministic_actors t;
  auto dir = std::make_shared<actor_directory>();
  auto a = t.sys.spawn(counter_actor);
  auto b = t.sys.spawn(bare_actor);
  dir->add(a, "engine_registry", "engine_registry");
  dir->add(b, "stream_relay/abc", "stream_relay", false);
  auto list = dir->list();
  REQUIRE(list.size() == 2);
  CHECK(list[0].name == "engine_registry");
  CHECK(list[1].kind == "stream_relay");
  CHECK_FALSE(list[1].long_lived);
  CHECK(dir->find("stream_relay/abc"));
  CHECK_FALSE(dir->find("nothing"));
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  t.run();
  CHECK(dir->size() == 1);
  CHECK_FALSE(dir->find("stream_relay/abc"));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  t.run();
  CHECK(dir->size() == 0);
}

TEST_CASE("re-registering a name replaces the entry and the old actor's exit keeps the new one") {
  testing::deterministic_actors t;
  auto dir = std::make_shared<actor_directory>();
  auto old_actor = t.sys.spawn(counter_actor);
  auto new_actor = t.sys.spawn(counter_actor);
  dir->add(old_actor, "x", "counter");
  dir->add(new_actor, "x", "counter");
  caf::anon_send_exit(old_actor, caf::exit_reason::user_shutdown);
  t.run();
  REQUIRE(dir->find("x"));
  CHECK(dir->find("x")->handle == new_actor);
  caf::anon_send_exit(new_actor, caf::exit_reason::user_shutdown);
}

TEST_CASE("mailbox gauges per long-lived actor, per-stream actors aggregated by kind") {
  testing::deterministic_actors t;
  auto dir = std::make_shared<actor_directory>();
  metrics::registry reg;
  add_actor_metrics(reg, dir);
  auto a = t.sys.spawn(counter_actor);
  auto r1 = t.sys.spawn(counter_actor);
  auto r2 = t.sys.spawn(counter_actor);
  dir->add(a, "engine_registry", "engine_registry");
  dir->add(r1, "stream_relay/1", "stream_relay", false);
  dir->add(r2, "stream_relay/2", "stream_relay", false);
  for (int i = 0; i < 3; ++i)
    caf::anon_send(r2, caf::put_atom::value, 1);
  t.sched.prioritize(r2);
  t.sched.run_once();
  auto text = reg.render();
  CHECK_THAT(text, Catch::Contains("acepool_actor_mailbox{actor=\"engine_registry\"} 0"));
  CHECK_THAT(text, Catch::Contains("acepool_actor_mailbox{actor=\"stream_relay\"} 2"));
  CHECK_THAT(text, Catch::Contains("acepool_actors{kind=\"stream_relay\"} 2"));
  t.run();
  for (auto& x : {a, r1, r2})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  t.run();
  auto after = reg.render();
  CHECK_THAT(after, Catch::Contains("acepool_actors{kind=\"stream_relay\"} 0"));
  CHECK_THAT(after, Catch::Contains("acepool_actor_mailbox{actor=\"engine_registry\"} 0"));
}

namespace {

/// An actor whose handlers throw on demand (as json::dump() once did on hostile text).
struct fragile_state {
  static inline const char* name = "fragile";
  int calls = 0;
};

caf::behavior fragile_actor(tracked_actor<fragile_state>* self) {
  return introspectable(self, caf::message_handler{
                                  [self](caf::get_atom, int x) -> int {
                                    ++self->state.calls;
                                    if (x < 0) throw std::runtime_error("negative input");
                                    return x * 2;
                                  },
                                  [self](caf::put_atom) {
                                    ++self->state.calls;
                                    throw 42;  // not even a std::exception
                                  },
                              });
}

}  // namespace

TEST_CASE("an actor survives exceptions in its handlers, answers the requester and counts them") {
  testing::deterministic_actors t;
  auto a = t.sys.spawn(fragile_actor);
  auto before = handler_exceptions()["fragile"];
  // The request that throws gets an error at once, not a timeout.
  auto pending = t.self->request(a, caf::infinite, caf::get_atom::value, -1);
  t.run();
  bool got_error = false;
  pending.receive([](int) {}, [&](caf::error& err) { got_error = err == caf::sec::runtime_error; });
  CHECK(got_error);
  caf::anon_send(a, caf::put_atom::value);  // a one-way message that throws something odd
  t.run();
  // Still alive and serving.
  CHECK(t.ask<int>(a, caf::get_atom::value, 21) == 42);
  CHECK(t.ask<caf::ok_atom>(a, ping_atom::value));
  CHECK(handler_exceptions()["fragile"] == before + 2);
  metrics::registry reg;
  auto dir = std::make_shared<actor_directory>();
  dir->add(a, "fragile", "fragile");
  add_actor_metrics(reg, dir);
  CHECK_THAT(reg.render(),
             Catch::Contains("acepool_actor_handler_exceptions_total{actor=\"fragile\"} " +
                             std::to_string(before + 2)));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_CASE("a required actor that ends is reported once, and not when shutdown has begun") {
  testing::deterministic_actors t;
  auto dir = std::make_shared<actor_directory>();
  auto core = t.sys.spawn(counter_actor);
  auto other = t.sys.spawn(counter_actor);
  auto relay = t.sys.spawn(counter_actor);
  dir->add(core, "engine_registry", "engine_registry");
  dir->add(other, "store", "store");
  dir->add(relay, "stream_relay/x", "stream_relay", false);
  std::vector<std::string> lost;
  dir->require_registered([&](const std::string& name) { lost.push_back(name); });
  CHECK(dir->missing_required().empty());
  caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);  // per-stream: not required
  caf::anon_send_exit(core, caf::exit_reason::kill);
  t.run();
  CHECK(lost == std::vector<std::string>{"engine_registry"});
  CHECK(dir->missing_required() == std::vector<std::string>{"engine_registry"});
  dir->stop_watching();
  caf::anon_send_exit(other, caf::exit_reason::user_shutdown);
  t.run();
  CHECK(lost.size() == 1);
  CHECK(dir->missing_required() == std::vector<std::string>{"engine_registry", "store"});
}

namespace {

/// A typed actor behind a handle that extends the introspection protocol.
using doubler_handle =
    introspectable_handle::extend<caf::replies_to<caf::get_atom, int>::with<int>>;

struct doubler_state {
  static inline const char* name = "doubler";
  int calls = 0;
  json summary() const { return {{"calls", calls}}; }
};

doubler_handle::behavior_type doubler(tracked_typed_actor<doubler_state, doubler_handle>* self) {
  return {
      [self](caf::get_atom, int x) -> int {
        ++self->state.calls;
        if (x < 0) throw std::runtime_error("negative input");
        return x * 2;
      },
      stats_handler(self),
      state_handler(self),
      ping_handler(),
  };
}

}  // namespace

TEST_CASE("a typed actor is instrumented like the others: counted, listed, survives exceptions") {
  testing::deterministic_actors t;
  doubler_handle a = t.sys.spawn(doubler);
  auto dynamic = caf::actor_cast<caf::actor>(a);
  auto before = handler_exceptions()["doubler"];
  auto failing = t.self->request(a, caf::infinite, caf::get_atom::value, -1);
  t.run();
  bool got_error = false;
  failing.receive([](int) {}, [&](caf::error& err) { got_error = err == caf::sec::runtime_error; });
  CHECK(got_error);
  CHECK(handler_exceptions()["doubler"] == before + 1);
  CHECK(t.ask<int>(dynamic, caf::get_atom::value, 21) == 42);  // still serving
  auto dir = std::make_shared<actor_directory>();
  dir->add(dynamic, "doubler", "doubler");
  auto stats = json::parse(*t.ask<std::string>(dynamic, get_stats_atom::value));
  CHECK(stats["processed"].get<int>() >= 2);
  CHECK(stats["state_summary"]["calls"] == 2);
  REQUIRE(dir->list().size() == 1);
  CHECK(dir->list()[0].vitals->processed.load() >= 2);  // the directory sees its counters
  CHECK(t.ask<caf::ok_atom>(dynamic, ping_atom::value));
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}
