#include <catch2/catch.hpp>

#include "actors/pool/swarm_node_changes.hpp"

using namespace acepool::actors;
using acepool::docker::swarm_node;

namespace {

swarm_node listed_node(const std::string& id, const std::string& state,
                       const std::string& availability = "active") {
  swarm_node n;
  n.id = id;
  n.hostname = "host-" + id;
  n.state = state;
  n.availability = availability;
  return n;
}

std::vector<std::string> described(const std::vector<swarm_node>& changes) {
  std::vector<std::string> out;
  for (const auto& n : changes)
    out.push_back(n.id + " " + n.state + " " + n.availability);
  return out;
}

}  // namespace

TEST_CASE("swarm nodes: a lost, drained, joined or removed node is announced, a steady one not") {
  std::vector<swarm_node> before{listed_node("n1", "ready"), listed_node("n2", "ready"),
                                 listed_node("n3", "ready"), listed_node("n4", "ready")};
  std::vector<swarm_node> after{listed_node("n1", "ready"), listed_node("n2", "down"),
                                listed_node("n3", "ready", "drain"), listed_node("n5", "ready")};
  CHECK(described(swarm_node_changes(before, after)) ==
        std::vector<std::string>{"n2 down active", "n3 ready drain", "n5 ready active",
                                 "n4 removed active"});
  CHECK(swarm_node_changes(after, after).empty());
}

TEST_CASE("swarm nodes: the first listing names only the nodes that cannot take engines") {
  std::vector<swarm_node> first{listed_node("n1", "ready"), listed_node("n2", "down"),
                                listed_node("n3", "ready", "pause")};
  CHECK(described(swarm_node_changes(std::nullopt, first)) ==
        std::vector<std::string>{"n2 down active", "n3 ready pause"});
}
