#pragma once

#include <string>

#include <caf/behavior.hpp>
#include <caf/message_handler.hpp>
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
nlohmann::json stats_of(instrumented_actor* self, nlohmann::json state_summary);

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

/// Completes an actor's behavior with the handlers every registered actor answers:
/// get_stats_atom (State::summary() when present), get_state_atom (State::full_state(), else
/// the summary) and ping_atom.
template <class State>
caf::behavior introspectable(tracked_actor<State>* self, caf::message_handler handlers) {
  static_assert(detail::has_summary<State>::value || !detail::has_any_summary<State>::value,
                "State::summary() must be const, or /debug/actors would silently ignore it");
  static_assert(detail::has_full_state<State>::value || !detail::has_any_full_state<State>::value,
                "State::full_state() must be const, or /debug/actors would silently ignore it");
  auto summary = [self]() -> nlohmann::json {
    if constexpr (detail::has_summary<State>::value) {
      return self->state.summary();
    } else {
      (void)self;
      return nlohmann::json::object();
    }
  };
  auto full = [self, summary]() -> nlohmann::json {
    if constexpr (detail::has_full_state<State>::value) {
      (void)summary;
      return self->state.full_state();
    } else {
      (void)self;
      return summary();
    }
  };
  return handlers.or_else(
      [self, summary](get_stats_atom) -> std::string {
        return support::dump_json(stats_of(self, summary()));
      },
      [full](get_state_atom) -> std::string { return support::dump_json(full()); },
      [](ping_atom) { return caf::ok_atom::value; });
}

}  // namespace acepool::actors
