#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/expected.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

#include "actors/runtime/actor_system_setup.hpp"

namespace acepool::testing {

/// CAF configured with the deterministic `testing` scheduler: nothing runs until the test says
/// so, and time only moves when the test advances it.
struct deterministic_config : caf::actor_system_config {
  deterministic_config() { actors::configure_test_actor_system(*this); }
};

/// Fixture for actor unit tests (architecture.md convention 12): an actor system on CAF's
/// test coordinator and a scoped actor to talk to the actors under test.
class deterministic_actors {
 public:
  deterministic_actors()
      : sys(cfg),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
        self(sys) {}
  ~deterministic_actors() { run(); }

  /// Runs every pending job (messages) until the system is idle.
  size_t run() { return sched.run(); }

  /// Moves the simulated clock forward, fires due timers and runs until idle.
  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    run();
  }

  /// Sends `xs...` to `dest`, runs the system and returns the reply, or nothing if the actor
  /// did not answer with a `T`. `dest` is a caf::actor or a typed handle.
  template <class T, class Dest, class... Ts>
  std::optional<T> ask(const Dest& dest, Ts&&... xs) {
    self->send(dest, std::forward<Ts>(xs)...);
    run();
    std::optional<T> out;
    self->receive([&](T& x) { out = std::move(x); }, caf::after(std::chrono::seconds(0)) >> [] {});
    return out;
  }

  /// Like ask(), for a request that may fail: the reply, or the error the actor answered with
  /// (caf::sec::request_timeout when it did not answer at all).
  template <class T, class Dest, class... Ts>
  caf::expected<T> ask_or_error(const Dest& dest, Ts&&... xs) {
    self->send(dest, std::forward<Ts>(xs)...);
    run();
    caf::expected<T> out{caf::make_error(caf::sec::request_timeout)};
    self->receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { out = std::move(e); },
                  caf::after(std::chrono::seconds(0)) >> [] {});
    return out;
  }

  deterministic_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;
};

}  // namespace acepool::testing
