#include <catch2/catch.hpp>

#include "docker/swarm_node_cap.hpp"

using namespace acepool::docker;

namespace {

swarm_node cap_node(const std::string& id, const std::string& state = "ready",
                    const std::string& availability = "active") {
  swarm_node n;
  n.id = id;
  n.state = state;
  n.availability = availability;
  return n;
}

}  // namespace

TEST_CASE("node cap: nodes at MAX_REPLICAS_PER_NODE are excluded, the others stay Swarm's choice") {
  swarm_node_cap cap(2);
  auto d = cap.place({cap_node("n1"), cap_node("n2"), cap_node("n3")}, {{"n1", 2}, {"n2", 1}});
  CHECK(d.room);
  CHECK(d.exclusions == std::vector<std::string>{"node.id!=n1"});
}

TEST_CASE("node cap: every schedulable node full means no room, named in the error") {
  swarm_node_cap cap(1);
  // n3 has room but is drained, n4 is down: neither can take the engine.
  auto d = cap.place(
      {cap_node("n1"), cap_node("n2"), cap_node("n3", "ready", "drain"), cap_node("n4", "down")},
      {{"n1", 1}, {"n2", 3}});
  CHECK_FALSE(d.room);
  CHECK(d.why_not == "no suitable node: every node is at MAX_REPLICAS_PER_NODE (1)");
}

TEST_CASE("node cap: without a cap Swarm decides, without any node taking tasks nobody can") {
  CHECK(swarm_node_cap(0).place({cap_node("n1")}, {{"n1", 50}}).exclusions.empty());
  CHECK(swarm_node_cap(0).place({cap_node("n1")}, {{"n1", 50}}).room);
  // Every node drained or down: a service would only stay pending; no room, with or without a
  // cap, said in Swarm's words.
  for (int cap : {0, 1}) {
    auto d = swarm_node_cap(cap).place({cap_node("n1", "down"), cap_node("n2", "ready", "drain")},
                                       {{"n1", 1}});
    CHECK_FALSE(d.room);
    CHECK(
        d.why_not ==
        "no suitable node: none of the swarm's 2 nodes takes new tasks (drained, paused or down)");
  }
  CHECK_FALSE(swarm_node_cap(0).place({}, {}).room);
}
