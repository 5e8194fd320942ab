#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

namespace acepool::actors {

/// Counters an actor keeps about itself, readable from any thread.
struct actor_vitals {
  std::atomic<uint64_t> processed{0};  ///< mailbox elements consumed
  std::atomic<int64_t> last_message_ms{
      0};                            ///< wall clock (ms since epoch) of the last one; 0 = none
  std::atomic<uint64_t> mailbox{0};  ///< mailbox size after the last message
  /// Wall clock (ms since epoch) at which the actor entered a blocking call it is still in;
  /// 0 = none. Only detached workers block, and each of their calls has its own deadline.
  std::atomic<int64_t> blocking_since_ms{0};
};

/// Marks the actor whose vitals these are as inside a blocking call for the scope's lifetime.
class blocking_call_scope {
 public:
  explicit blocking_call_scope(actor_vitals& v);
  ~blocking_call_scope();
  blocking_call_scope(const blocking_call_scope&) = delete;
  blocking_call_scope& operator=(const blocking_call_scope&) = delete;

 private:
  actor_vitals& vitals_;
};

/// What every instrumented actor offers the directory and /debug/actors, whatever its handle.
class vitals_source {
 public:
  virtual ~vitals_source() = default;
  /// The counters of this actor; the pointer never changes.
  virtual const std::shared_ptr<actor_vitals>& vitals() const = 0;
};

namespace detail {

/// Replaces CAF's default and error handlers of a long-lived actor (see instrumented).
void instrument(caf::scheduled_actor& self);

/// Consumes `x` with `consume`, counting it in `v`; an exception escaping the handler is logged
/// and counted, and a request is answered with an error.
caf::invoke_message_result consume_counted(
    caf::scheduled_actor& self, actor_vitals& v, caf::mailbox_element& x,
    const std::function<caf::invoke_message_result()>& consume);

}  // namespace detail

/// An event-based actor (`Base`: dynamically typed or a typed_event_based_actor) that counts
/// every message it consumes and publishes its own mailbox size (which only the actor itself
/// may read) after each one.
///
/// It also survives its own handlers: CAF 0.17 makes an actor quit on an exception escaping a
/// handler, which would silently take a core actor (and everything waiting on it) down. Here the
/// exception is logged with the message, counted (handler_exceptions()), and a request is
/// answered with an error, and the actor goes on with its next message.
template <class Base>
class instrumented : public Base, public vitals_source {
 public:
  explicit instrumented(caf::actor_config& cfg)
      : Base(cfg), vitals_(std::make_shared<actor_vitals>()) {
    detail::instrument(*this);
  }

  const std::shared_ptr<actor_vitals>& vitals() const override { return vitals_; }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    return detail::consume_counted(*this, *vitals_, x, [&] { return Base::consume(x); });
  }

 private:
  std::shared_ptr<actor_vitals> vitals_;
};

/// The instrumented dynamically typed actor.
using instrumented_actor = instrumented<caf::event_based_actor>;

/// Exceptions that escaped a handler since start, by actor name (the state's `name`).
std::map<std::string, uint64_t> handler_exceptions();

/// A stateful actor with instrumentation: the base of every long-lived acepool actor.
/// `State` has a `name` and may offer `summary()` and `full_state()` (see introspection.hpp).
template <class State>
using tracked_actor = caf::stateful_actor<State, instrumented_actor>;

/// The same for an actor behind the typed handle `Handle` (a caf::typed_actor).
template <class State, class Handle>
using tracked_typed_actor = caf::stateful_actor<State, instrumented<typename Handle::base>>;

}  // namespace acepool::actors
