#pragma once

#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <caf/behavior.hpp>
#include <caf/message_handler.hpp>
#include <caf/typed_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/instrumented_actor.hpp"
#include "support/text_safety.hpp"

namespace acepool::actors {

/// The counters anyone may read: `{"processed","last_message_at","in_blocking_call_since"}`
/// (times RFC 3339 or null).
nlohmann::json vitals_json(const actor_vitals& v);

/// The JSON answer to get_stats_atom: `{"id","mailbox",...vitals_json,"state_summary"}`. Must be
/// called by the actor itself (it reads its own mailbox).
nlohmann::json stats_of(caf::scheduled_actor* self, const actor_vitals& vitals,
                        nlohmann::json state_summary);

/// What every registered actor answers (/debug/actors, readiness probes): the typed handles of
/// acepool's actors extend it.
using introspectable_handle = caf::typed_actor<caf::replies_to<get_stats_atom>::with<std::string>,
                                               caf::replies_to<get_state_atom>::with<std::string>,
                                               caf::replies_to<ping_atom>::with<caf::ok_atom>>;

namespace detail {

template <class State, class = void>
struct has_summary : std::false_type {};
template <class State>
struct has_summary<State, std::void_t<decltype(std::declval<const State&>().summary())>>
    : std::true_type {};

template <class State, class = void>
struct has_full_state : std::false_type {};
template <class State>
struct has_full_state<State, std::void_t<decltype(std::declval<const State&>().full_state())>>
    : std::true_type {};

template <class State, class = void>
struct has_any_summary : std::false_type {};
template <class State>
struct has_any_summary<State, std::void_t<decltype(std::declval<State&>().summary())>>
    : std::true_type {};

template <class State, class = void>
struct has_any_full_state : std::false_type {};
template <class State>
struct has_any_full_state<State, std::void_t<decltype(std::declval<State&>().full_state())>>
    : std::true_type {};

}  // namespace detail

/// The summary /debug/actors shows for `self` (State::summary() when present).
template <class Self>
nlohmann::json summary_of(Self* self) {
  using State = std::decay_t<decltype(self->state)>;
  static_assert(detail::has_summary<State>::value || !detail::has_any_summary<State>::value,
                "State::summary() must be const, or /debug/actors would silently ignore it");
  if constexpr (detail::has_summary<State>::value) {
    return self->state.summary();
  } else {
    (void)self;
    return nlohmann::json::object();
  }
}

/// The full state /debug/actors/{name} shows for `self` (State::full_state(), else the summary).
template <class Self>
nlohmann::json full_state_of(Self* self) {
  using State = std::decay_t<decltype(self->state)>;
  static_assert(detail::has_full_state<State>::value || !detail::has_any_full_state<State>::value,
                "State::full_state() must be const, or /debug/actors would silently ignore it");
  if constexpr (detail::has_full_state<State>::value) {
    return self->state.full_state();
  } else {
    return summary_of(self);
  }
}

/// The introspection handlers (get_stats_atom, get_state_atom, ping_atom) one by one, for a
/// typed actor's behavior; a dynamically typed one gets them all from introspectable().
template <class Self>
auto stats_handler(Self* self) {
  return [self](get_stats_atom) -> std::string {
    return support::dump_json(stats_of(self, *self->vitals(), summary_of(self)));
  };
}
template <class Self>
auto state_handler(Self* self) {
  return [self](get_state_atom) -> std::string { return support::dump_json(full_state_of(self)); };
}
inline auto ping_handler() {
  return [](ping_atom) { return caf::ok_atom::value; };
}

/// The typed behavior of `Handle` from groups of handlers, each a std::tuple of lambdas (an actor
/// keeps its handlers in named groups; the compiler checks the joined set against the handle).
template <class Handle, class... Groups>
typename Handle::behavior_type typed_behavior_of(Groups&&... groups) {
  return std::apply(
      [](auto&&... handlers) {
        return typename Handle::behavior_type{std::forward<decltype(handlers)>(handlers)...};
      },
      std::tuple_cat(std::forward<Groups>(groups)...));
}

/// Completes an actor's behavior with the handlers every registered actor answers:
/// get_stats_atom (State::summary() when present), get_state_atom (State::full_state(), else
/// the summary) and ping_atom.
template <class State>
caf::behavior introspectable(tracked_actor<State>* self, caf::message_handler handlers) {
  return handlers.or_else(stats_handler(self), state_handler(self), ping_handler());
}

}  // namespace acepool::actors
