#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

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

/// An event-based actor that counts every message it consumes and publishes its own mailbox
/// size (which only the actor itself may read) after each one.
///
/// It also survives its own handlers: CAF 0.17 makes an actor quit on an exception escaping a
/// handler, which would silently take a core actor (and everything waiting on it) down. Here the
/// exception is logged with the message, counted (handler_exceptions()), and a request is
/// answered with an error, and the actor goes on with its next message.
class instrumented_actor : public caf::event_based_actor {
 public:
  explicit instrumented_actor(caf::actor_config& cfg);

  /// The counters of this actor; the pointer never changes.
  const std::shared_ptr<actor_vitals>& vitals() const { return vitals_; }

  caf::invoke_message_result consume(caf::mailbox_element& x) override;

 private:
  void survive_exception(caf::mailbox_element& x, const char* what);

  std::shared_ptr<actor_vitals> vitals_;
};

/// Exceptions that escaped a handler since start, by actor name (the state's `name`).
std::map<std::string, uint64_t> handler_exceptions();

/// A stateful actor with instrumentation: the base of every long-lived acepool actor.
/// `State` has a `name` and may offer `summary()` and `full_state()` (see introspection.hpp).
template <class State>
using tracked_actor = caf::stateful_actor<State, instrumented_actor>;

}  // namespace acepool::actors
