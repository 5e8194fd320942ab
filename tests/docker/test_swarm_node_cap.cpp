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
  CHECK(cap.full_message() == "no suitable node: every node is at MAX_REPLICAS_PER_NODE (1)");
}

TEST_CASE("node cap: without a cap, or without any schedulable node, Swarm decides") {
  CHECK(swarm_node_cap(0).place({cap_node("n1")}, {{"n1", 50}}).exclusions.empty());
  CHECK(swarm_node_cap(0).place({cap_node("n1")}, {{"n1", 50}}).room);
  // Nothing schedulable: Swarm's own "no suitable node" explains it better than a cap would.
  auto d = swarm_node_cap(1).place({cap_node("n1", "down")}, {{"n1", 1}});
  CHECK(d.room);
  CHECK(d.exclusions == std::vector<std::string>{"node.id!=n1"});
}
