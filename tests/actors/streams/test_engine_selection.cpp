#include <catch2/catch.hpp>

#include "actors/streams/engine_selection.hpp"

namespace {

using namespace acepool::actors;

engine_record selectable(const std::string& id, health_status h, int streams) {
  engine_record e;
  e.container_id = id;
  e.state = engine_state::running;
  e.health = h;
  for (int i = 0; i < streams; ++i)
    e.streams.push_back(id + "-s" + std::to_string(i));
  return e;
}

/// Each engine's load: its streams plus the sessions `reserved` on it.
std::map<std::string, int> load_of(const std::vector<engine_record>& engines,
                                   std::map<std::string, int> reserved) {
  for (const auto& e : engines)
    reserved[e.container_id] += static_cast<int>(e.streams.size());
  return reserved;
}

std::string pick(const std::vector<engine_record>& engines,
                 const std::map<std::string, int>& reserved = {}, const std::string& preferred = "",
                 const std::vector<std::string>& excluded = {}) {
  std::vector<const engine_record*> ptrs;
  for (const auto& e : engines)
    ptrs.push_back(&e);
  const auto* e = select_engine(ptrs, load_of(engines, reserved), 2,
                                engine_wishes{preferred, excluded, {}, {}});
  return e ? e->container_id : "none";
}

}  // namespace

TEST_CASE("selection prefers healthy engines, then fewer streams") {
  CHECK(pick({selectable("a", health_status::unknown, 0),
              selectable("b", health_status::healthy, 1)}) == "b");
  CHECK(pick({selectable("a", health_status::healthy, 1),
              selectable("b", health_status::healthy, 0)}) == "b");
}

TEST_CASE("selection skips unhealthy, full, excluded and stopping engines") {
  auto stopping = selectable("d", health_status::healthy, 0);
  stopping.state = engine_state::stopping;
  auto starting = selectable("e", health_status::unknown, 0);
  starting.state = engine_state::starting;
  std::vector<engine_record> engines{
      selectable("a", health_status::unhealthy, 0), selectable("b", health_status::healthy, 2),
      selectable("c", health_status::healthy, 0), stopping, starting};
  CHECK(pick(engines, {}, "", {"c"}) == "none");
  CHECK(pick(engines) == "c");
}

TEST_CASE("selection counts sessions being opened against the per-engine limit") {
  std::vector<engine_record> engines{selectable("a", health_status::healthy, 1),
                                     selectable("b", health_status::healthy, 1)};
  CHECK(pick(engines, {{"a", 1}}) == "b");
  CHECK(pick(engines, {{"a", 1}, {"b", 1}}) == "none");
}

TEST_CASE("selection takes the preferred engine when it qualifies") {
  std::vector<engine_record> engines{selectable("a", health_status::healthy, 0),
                                     selectable("b", health_status::unknown, 1)};
  CHECK(pick(engines, {}, "b") == "b");
  CHECK(pick(engines, {{"b", 1}}, "b") == "a");  // full: not taken
}

TEST_CASE("selection prefers the forwarded engine, then the least recently used") {
  auto a = selectable("a", health_status::healthy, 0);
  auto b = selectable("b", health_status::healthy, 0);
  a.last_stream_usage = std::chrono::system_clock::now();
  b.last_stream_usage = a.last_stream_usage.value() - std::chrono::seconds(5);
  CHECK(pick({a, b}) == "b");
  a.forwarded = true;
  CHECK(pick({a, b}) == "a");
  auto s = selectable("s", health_status::healthy, 0);
  s.state = engine_state::static_engine;
  CHECK(pick({s}) == "s");
}

TEST_CASE("selection takes an avoided engine only when nothing else qualifies") {
  // The engine whose connection just broke (maybe killed, not yet known as gone) comes last,
  // even before a less loaded or healthier one.
  std::vector<engine_record> engines{selectable("dead", health_status::healthy, 0),
                                     selectable("other", health_status::unknown, 1)};
  std::vector<const engine_record*> ptrs{&engines[0], &engines[1]};
  auto load = load_of(engines, {});
  CHECK(select_engine(ptrs, load, 2, engine_wishes{"", {}, {"dead"}, {}})->container_id == "other");
  // Alone, it is still a fallback (a stream that merely hiccupped keeps going).
  std::vector<const engine_record*> alone{&engines[0]};
  CHECK(select_engine(alone, load, 2, engine_wishes{"", {}, {"dead"}, {}})->container_id == "dead");
  // Excluded is never taken.
  CHECK(select_engine(alone, load, 2, engine_wishes{"", {"dead"}, {}, {}}) == nullptr);
}

TEST_CASE("selection (swarm): less loaded first, then an engine on acepool's own node") {
  auto on = [](engine_record e, const std::string& node) {
    e.labels["acepool.swarm.node"] = node;
    return e;
  };
  // Equal load: the engine beside acepool wins, even when the other is less recently used.
  auto remote = on(selectable("remote", health_status::healthy, 0), "n2");
  auto here = on(selectable("here", health_status::healthy, 0), "n1");
  here.last_stream_usage = std::chrono::system_clock::now();
  std::vector<engine_record> engines{remote, here};
  std::vector<const engine_record*> ptrs{&engines[0], &engines[1]};
  engine_wishes wishes;
  wishes.local_node = "n1";
  CHECK(select_engine(ptrs, load_of(engines, {}), 3, wishes)->container_id == "here");
  // Without a local node (docker mode, or a remote DOCKER_HOST) the usual order decides.
  CHECK(select_engine(ptrs, load_of(engines, {}), 3, engine_wishes{})->container_id == "remote");
  // A busier local engine loses: new streams spread first.
  engines[1] = on(selectable("here", health_status::healthy, 1), "n1");
  CHECK(select_engine(ptrs, load_of(engines, {}), 3, wishes)->container_id == "remote");
}
