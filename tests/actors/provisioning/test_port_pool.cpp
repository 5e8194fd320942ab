#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "actors/provisioning/port_pool.hpp"

using namespace acepool::actors;
using acepool::config::port_range;
using state = port_pool::port_state;
using namespace std::chrono_literals;

namespace {
const auto pool_t0 = std::chrono::steady_clock::time_point{} + 1h;
}

TEST_CASE("ports are handed out round robin, once each, and come back on release") {
  port_pool p({100, 102});
  CHECK(p.reserve("op1", pool_t0) == 100);
  CHECK(p.reserve("op2", pool_t0) == 101);
  CHECK(p.reserve("op3", pool_t0) == 102);
  CHECK_FALSE(p.reserve("op4", pool_t0));  // exhausted: an error value, not a crash
  CHECK(p.release(101, "op2"));
  CHECK(p.reserve("op5", pool_t0) == 101);
  CHECK(p.count(state::reserved, pool_t0) == 3);
  CHECK(p.count(state::free, pool_t0) == 0);
}

TEST_CASE("only the owner releases: a late release from a failed operation frees nothing") {
  port_pool p({100, 101});
  auto port = *p.reserve("op1", pool_t0);
  CHECK(p.bind(port, "op1", "container-a"));
  CHECK_FALSE(p.release(port, "op1"));  // the port moved on to the container
  CHECK(p.owner_of(port) == "container-a");
  CHECK(p.release_owner("container-a") == std::vector<uint16_t>{port});
  CHECK(p.state_of(port, pool_t0) == state::free);
  CHECK_FALSE(p.bind(port, "op1", "container-b"));  // nothing reserved any more
}

TEST_CASE("a port the OS reports busy is skipped and quarantined for a minute") {
  port_pool p({100, 102});
  auto probe = [](uint16_t port) { return port != 100; };
  CHECK(p.reserve("op", pool_t0, probe) == 101);
  CHECK(p.state_of(100, pool_t0) == state::quarantined);
  CHECK(p.reserve("op2", pool_t0 + 30s) == 102);
  CHECK(p.reserve("op3", pool_t0 + 30s) == std::nullopt);  // 100 still quarantined, others taken
  CHECK(p.reserve("op4", pool_t0 + 61s) == 100);
  // Docker's "address already in use" on start quarantines the reserved port.
  p.quarantine(101, "op", pool_t0 + 61s);
  CHECK(p.state_of(101, pool_t0 + 61s) == state::quarantined);
  CHECK_FALSE(p.release(101, "op"));
}

TEST_CASE("a specific port is reserved only when inside the range and free") {
  port_pool p({100, 105});
  CHECK(p.reserve_port(103, "a", pool_t0));
  CHECK_FALSE(p.reserve_port(103, "b", pool_t0));
  CHECK_FALSE(p.reserve_port(99, "b", pool_t0));
  CHECK_FALSE(p.reserve_port(104, "b", pool_t0, [](uint16_t) { return false; }));
  CHECK(p.state_of(104, pool_t0) == state::quarantined);
}

TEST_CASE("rebuilding from Docker keeps reservations in flight and replaces the bound set") {
  port_pool p({100, 105});
  auto inflight = *p.reserve("op-inflight", pool_t0);
  auto stale = *p.reserve("op-old", pool_t0);
  p.bind(stale, "op-old", "container-gone", pool_t0);
  p.rebuild({{104, "container-adopted"}}, pool_t0 + 1ms, pool_t0 + 1ms);
  CHECK(p.owner_of(inflight) == "op-inflight");
  CHECK(p.state_of(stale, pool_t0) == state::free);
  CHECK(p.owner_of(104) == "container-adopted");
  CHECK(p.state_of(104, pool_t0) == state::bound);
}

TEST_CASE(
    "property: random allocate/bind/release/fail/rebuild sequences never hand out a port twice or "
    "leak one") {
  std::mt19937 rng(20261121);
  for (int round = 0; round < 200; ++round) {
    port_range range{static_cast<uint16_t>(1000), static_cast<uint16_t>(1000 + 3 + rng() % 20)};
    port_pool p(range);
    // The model: which port belongs to which owner, tracked independently of the pool.
    std::map<uint16_t, std::string> model_reserved, model_bound;
    std::set<uint16_t> quarantined;
    auto now = pool_t0;
    int ops = 0, containers = 0;
    for (int step = 0; step < 60; ++step) {
      now += std::chrono::milliseconds(rng() % 5000);
      switch (rng() % 6) {
        case 0: {  // allocate
          auto owner = "op" + std::to_string(ops++);
          bool busy = rng() % 8 == 0;
          auto got = p.reserve(owner, now, [&](uint16_t port) { return !(busy && port % 2 == 0); });
          if (got) {
            REQUIRE_FALSE(model_reserved.count(*got));
            REQUIRE_FALSE(model_bound.count(*got));
            model_reserved[*got] = owner;
          }
          break;
        }
        case 1: {  // bind a reservation to a new container
          if (model_reserved.empty()) break;
          auto it =
              std::next(model_reserved.begin(), static_cast<long>(rng() % model_reserved.size()));
          auto c = "c" + std::to_string(containers++);
          REQUIRE(p.bind(it->first, it->second, c, now));
          model_bound[it->first] = c;
          model_reserved.erase(it);
          break;
        }
        case 2: {  // release a bound container (delete, death, scale-down)
          if (model_bound.empty()) break;
          auto it = std::next(model_bound.begin(), static_cast<long>(rng() % model_bound.size()));
          auto released = p.release_owner(it->second);
          REQUIRE(released == std::vector<uint16_t>{it->first});
          model_bound.erase(it);
          break;
        }
        case 3: {  // a failed start: either the port clashed (quarantine) or it is just released
          if (model_reserved.empty()) break;
          auto it =
              std::next(model_reserved.begin(), static_cast<long>(rng() % model_reserved.size()));
          if (rng() % 2) {
            p.quarantine(it->first, it->second, now);
          } else {
            REQUIRE(p.release(it->first, it->second));
          }
          // A late, duplicate release by the same failed operation must change nothing.
          REQUIRE_FALSE(p.release(it->first, it->second));
          model_reserved.erase(it);
          break;
        }
        case 4: {  // rebuild from "Docker": the bound set as Docker reports it
          p.rebuild(model_bound, now, now);
          break;
        }
        case 5: {  // a stale release by a wrong owner never frees anything
          if (model_bound.empty()) break;
          auto port = model_bound.begin()->first;
          REQUIRE_FALSE(p.release(port, "nobody"));
          break;
        }
      }
      // Invariants after every step: the pool and the model agree on every owned port.
      for (const auto& [port, owner] : model_reserved) {
        REQUIRE(p.state_of(port, now) == state::reserved);
        REQUIRE(p.owner_of(port) == owner);
      }
      for (const auto& [port, owner] : model_bound) {
        REQUIRE(p.state_of(port, now) == state::bound);
        REQUIRE(p.owner_of(port) == owner);
      }
      REQUIRE(p.count(state::reserved, now) == model_reserved.size());
      REQUIRE(p.count(state::bound, now) == model_bound.size());
      size_t accounted = p.count(state::free, now) + p.count(state::reserved, now) +
                         p.count(state::bound, now) + p.count(state::quarantined, now);
      REQUIRE(accounted == p.size());
    }
    // No leak: once everything is released and quarantines have expired, every port is free.
    for (const auto& [port, owner] : model_reserved)
      REQUIRE(p.release(port, owner));
    for (const auto& [port, owner] : model_bound)
      REQUIRE(p.release_owner(owner).size() == 1);
    auto later = now + 2min;
    REQUIRE(p.count(state::free, later) == p.size());
    std::set<uint16_t> handed;
    for (size_t i = 0; i < p.size(); ++i) {
      auto got = p.reserve("final" + std::to_string(i), later);
      REQUIRE(got);
      REQUIRE(handed.insert(*got).second);
    }
    REQUIRE_FALSE(p.reserve("one-too-many", later));
  }
}

TEST_CASE("a Docker list taken before a port was bound never undoes the binding") {
  port_pool p({100, 105});
  auto listed_at = pool_t0;  // Docker was asked here ...
  auto port = *p.reserve("op", pool_t0 + 1ms);
  REQUIRE(p.bind(port, "op", "container-new",
                 pool_t0 + 1ms));  // ... and the container started after that.
  p.rebuild({}, listed_at, pool_t0 + 2ms);
  CHECK(p.owner_of(port) == "container-new");
  // A list taken after the binding does replace it.
  p.rebuild({}, pool_t0 + 1s, pool_t0 + 1s);
  CHECK(p.state_of(port, pool_t0 + 1s) == state::free);
}
