#include <catch2/catch.hpp>

#include <algorithm>

#include "actors/pool/pool_policy.hpp"

using namespace acepool::actors;
using namespace std::chrono_literals;

namespace {

const auto now = std::chrono::steady_clock::time_point{} + 10h;

sizing_engine engine(std::string id, int streams = 0, std::chrono::seconds idle_for = 3600s,
                     health_status h = health_status::healthy,
                     engine_state s = engine_state::running) {
  return {std::move(id), s, h, streams, now - idle_for};
}

sizing_limits limits(int min, int min_free, int max, bool auto_delete = false) {
  sizing_limits l;
  l.min_replicas = min;
  l.min_free_replicas = min_free;
  l.max_replicas = max;
  l.auto_delete = auto_delete;
  l.grace = 30s;
  l.idle_ttl = 600s;
  return l;
}

/// The view after applying a decision: removed engines gone, new ones in flight.
sizing_view apply(sizing_view v, const sizing_decision& d) {
  v.engines.erase(std::remove_if(v.engines.begin(), v.engines.end(),
                                 [&](const sizing_engine& e) {
                                   return std::find(d.remove.begin(), d.remove.end(), e.id) !=
                                          d.remove.end();
                                 }),
                  v.engines.end());
  v.provisioning += d.provision;
  return v;
}

}  // namespace

TEST_CASE("at start the pool is filled to MIN_REPLICAS") {
  pool_policy p(limits(3, 1, 10));
  CHECK(p.reconcile({}, std::nullopt, now).provision == 3);
  CHECK(p.reconcile({{engine("a")}, 2}, std::nullopt, now).provision == 0);  // two are on their way
}

TEST_CASE("at run time MIN_FREE_REPLICAS idle engines are kept ready") {
  pool_policy p(limits(1, 2, 10));
  sizing_view v{{engine("a", 1), engine("b", 1), engine("c", 0)}, 0};
  CHECK(p.reconcile(v, std::nullopt, now).provision == 1);
  // Unhealthy or stopping engines do not count as free.
  sizing_view sick{{engine("a", 0, 3600s, health_status::unhealthy), engine("b", 0)}, 0};
  CHECK(p.reconcile(sick, std::nullopt, now).provision == 1);
}

TEST_CASE("MAX_REPLICAS caps every provisioning decision, engines booting included") {
  pool_policy p(limits(5, 3, 4));
  CHECK(p.reconcile({}, std::nullopt, now).provision == 4);
  CHECK(p.reconcile({{}, 4}, std::nullopt, now).provision == 0);
  sizing_view full{{engine("a", 1), engine("b", 1), engine("c", 1), engine("d", 1)}, 0};
  CHECK(p.reconcile(full, std::nullopt, now).provision == 0);
  CHECK(p.effective_target(50, full) == 4);
}

TEST_CASE(
    "without AUTO_DELETE idle engines stay, with it they go after the grace, above the floors") {
  sizing_view v{{engine("a", 0, 3600s), engine("b", 0, 3600s), engine("c", 0, 10s), engine("d", 1)},
                0};
  CHECK(pool_policy(limits(1, 1, 10, false)).reconcile(v, std::nullopt, now).empty());
  auto d = pool_policy(limits(1, 1, 10, true)).reconcile(v, std::nullopt, now);
  // a and b are past the grace; one idle engine must stay free (c is within its grace anyway).
  CHECK(d.provision == 0);
  CHECK(d.remove == std::vector<std::string>{"a", "b"});
  auto floors = pool_policy(limits(4, 1, 10, true)).reconcile(v, std::nullopt, now);
  CHECK(floors.remove.empty());  // total 4 = MIN_REPLICAS
}

TEST_CASE("an engine with an active stream is never removed by sizing logic") {
  pool_policy p(limits(0, 0, 10, true));
  sizing_view v{{engine("busy", 3, 99999s), engine("idle", 0, 99999s)}, 0};
  CHECK(p.reconcile(v, std::nullopt, now).remove == std::vector<std::string>{"idle"});
  CHECK(p.reconcile(v, 0, now).remove == std::vector<std::string>{"idle"});
  CHECK(p.gc(v, std::nullopt, now) == std::vector<std::string>{"idle"});
}

TEST_CASE("the /scale target starts engines or drains idle ones, never below busy + MIN_FREE") {
  pool_policy p(limits(1, 1, 10));
  sizing_view v{{engine("a", 1), engine("b", 0), engine("c", 0), engine("d", 0)}, 0};
  CHECK(p.effective_target(1, v) == 2);  // busy 1 + free 1
  auto down = p.reconcile(v, 1, now);
  CHECK(down.remove.size() == 2);
  CHECK(std::find(down.remove.begin(), down.remove.end(), "a") == down.remove.end());
  auto up = p.reconcile(v, 7, now);
  CHECK(up.provision == 3);
  CHECK(p.effective_target(0, {}) == 1);    // MIN_REPLICAS
  CHECK(p.effective_target(99, {}) == 10);  // MAX_REPLICAS
}

TEST_CASE("/gc removes engines idle for IDLE_TTL_S above the floors") {
  pool_policy p(limits(1, 1, 10));
  sizing_view v{{engine("old1", 0, 700s), engine("old2", 0, 800s), engine("young", 0, 10s)}, 0};
  auto removed = p.gc(v, std::nullopt, now);
  // Oldest idle first; "young" keeps the free floor.
  CHECK(removed == std::vector<std::string>{"old2", "old1"});
  CHECK(
      p.gc({{engine("only", 0, 9999s)}, 0}, std::nullopt, now).empty());  // the MIN_REPLICAS floor
}

TEST_CASE("unhealthy idle engines are removed first") {
  pool_policy p(limits(0, 1, 10, true));
  sizing_view v{{engine("ok", 0, 3600s), engine("sick", 0, 60s, health_status::unhealthy)}, 0};
  CHECK(p.reconcile(v, std::nullopt, now).remove == std::vector<std::string>{"sick"});
}

TEST_CASE("exhaustive: every decision respects the caps and floors and is stable") {
  const std::vector<std::chrono::seconds> idles{5s, 100s, 1000s};
  const std::vector<health_status> healths{health_status::healthy, health_status::unknown,
                                           health_status::unhealthy};
  const std::vector<engine_state> states{engine_state::running, engine_state::starting,
                                         engine_state::stopping, engine_state::draining};
  int cases = 0;
  for (int min = 0; min <= 3; ++min)
    for (int min_free = 0; min_free <= 2; ++min_free)
      for (int max = std::max({1, min, min_free}); max <= 4; ++max)
        for (bool auto_delete : {false, true})
          for (int n = 0; n <= 4; ++n)
            for (int pending = 0; pending <= 1; ++pending)
              for (int variant = 0; variant < 24; ++variant)
                for (std::optional<int> target : {std::optional<int>{}, std::optional<int>{0},
                                                  std::optional<int>{2}, std::optional<int>{5}}) {
                  pool_policy p(limits(min, min_free, max, auto_delete));
                  sizing_view v;
                  v.provisioning = pending;
                  for (int i = 0; i < n; ++i) {
                    int k = variant + i * 7;
                    v.engines.push_back({"e" + std::to_string(i), states[(k / 9) % 4],
                                         healths[k % 3], (k / 3) % 2, now - idles[(k / 5) % 3]});
                  }
                  ++cases;
                  auto before = count(v);
                  auto d = p.reconcile(v, target, now);
                  INFO("min " << min << " free " << min_free << " max " << max << " auto "
                              << auto_delete << " n " << n << " pending " << pending << " variant "
                              << variant << " target " << target.value_or(-1));
                  REQUIRE(d.provision >= 0);
                  REQUIRE((d.provision == 0 || d.remove.empty()));
                  // The cap holds on every path.
                  REQUIRE(before.total + d.provision <= std::max(max, before.total));
                  if (before.total >= max) REQUIRE(d.provision == 0);
                  // Floors are met unless the cap stops it.
                  int floor = std::max(min, target ? p.effective_target(*target, v) : 0);
                  if (before.total + d.provision < max) {
                    REQUIRE(before.total + d.provision >= floor);
                    REQUIRE(before.free + d.provision >= min_free);
                  }
                  // Removals: only idle running engines, never below the floors.
                  for (const auto& id : d.remove) {
                    auto it = std::find_if(v.engines.begin(), v.engines.end(),
                                           [&](const sizing_engine& e) { return e.id == id; });
                    REQUIRE(it != v.engines.end());
                    REQUIRE(it->streams == 0);
                    REQUIRE(it->state == engine_state::running);
                  }
                  auto after = count(apply(v, d));
                  if (!d.remove.empty()) {
                    REQUIRE(after.total >=
                            std::max(min, target ? p.effective_target(*target, v) : 0));
                    REQUIRE(after.free >= std::min(before.free, min_free));
                  }
                  // Without AUTO_DELETE and without a scale target nothing is removed
                  // automatically.
                  if (!auto_delete && !target) REQUIRE(d.remove.empty());
                  // Converges without thrashing: repeated reconciliation settles within three
                  // steps, and after provisioning only unhealthy engines are ever removed (an
                  // unhealthy idle engine is replaced: new one first or old one first).
                  auto state = apply(v, d);
                  bool provisioned = d.provision > 0;
                  bool settled = d.empty();
                  for (int step = 0; step < 3 && !settled; ++step) {
                    auto next = p.reconcile(state, target, now);
                    for (const auto& id : next.remove)
                      for (const auto& e : state.engines)
                        if (e.id == id && provisioned)
                          REQUIRE(e.health == health_status::unhealthy);
                    provisioned = provisioned || next.provision > 0;
                    settled = next.empty();
                    state = apply(state, next);
                  }
                  REQUIRE(settled);
                }
  CHECK(cases > 10000);
}
