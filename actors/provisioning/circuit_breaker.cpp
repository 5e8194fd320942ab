// circuit_breaker: owns the two breaker state machines. Every admission and outcome goes
// through here; the published snapshot lets HTTP read the state (evaluated on read) without a
// message, so status never reports a stale "open".
#include "actors/provisioning/circuit_breaker.hpp"

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "support/logging.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

using clock = std::chrono::steady_clock;

struct circuit_breaker_state {
  static inline const char* name = "circuit_breaker";
  published_state* published = nullptr;
  metrics::registry* metrics = nullptr;
  breakers_snapshot breakers;

  breaker& of(breaker_kind k) {
    return k == breaker_kind::general ? breakers.general : breakers.replacement;
  }

  void publish() {
    published->breakers.publish(breakers);
    if (metrics == nullptr) return;
    auto now = clock::now();
    for (auto [name, b] :
         {std::pair<const char*, breaker*>{"general", &breakers.general},
          std::pair<const char*, breaker*>{"replacement", &breakers.replacement}}) {
      auto current = b->current(now);
      for (auto s : {breaker::state::closed, breaker::state::open, breaker::state::half_open})
        metrics
            ->gauge("acepool_circuit_state", "Circuit breaker state (1 = current)",
                    {{"breaker", name}, {"state", to_string(s)}})
            .set(s == current ? 1 : 0);
    }
  }

  nlohmann::json summary() const {
    auto now = clock::now();
    return {{"general", to_string(breakers.general.current(now))},
            {"replacement", to_string(breakers.replacement.current(now))}};
  }

  nlohmann::json full_state() const {
    auto now = clock::now();
    return {{"general", breaker_json(breakers.general, now)},
            {"replacement", breaker_json(breakers.replacement, now)}};
  }
};

caf::behavior circuit_breaker(tracked_actor<circuit_breaker_state>* self,
                              published_state* published, const config::settings* s,
                              metrics::registry* metrics) {
  auto& st = self->state;
  st.published = published;
  st.metrics = metrics;
  st.breakers.general =
      breaker(s->health.breaker_failure_threshold, s->health.breaker_recovery_timeout);
  st.breakers.replacement =
      breaker(s->health.replacement_breaker_threshold, s->health.replacement_breaker_timeout);
  st.publish();
  return introspectable(
      self, caf::message_handler{
                [self](breaker_admit_atom, breaker_kind k) {
                  auto a = self->state.of(k).admit(clock::now());
                  if (a.trial) self->state.publish();
                  return a;
                },
                [self](breaker_record_atom, breaker_kind k, bool success) {
                  auto& b = self->state.of(k);
                  auto now = clock::now();
                  auto before = b.current(now);
                  if (success)
                    b.record_success(now, std::chrono::system_clock::now());
                  else
                    b.record_failure(now, std::chrono::system_clock::now());
                  auto after = b.current(now);
                  if (before != after)
                    log::event(
                        after == breaker::state::closed ? spdlog::level::info : spdlog::level::warn,
                        "breaker.transition",
                        {{"breaker", k == breaker_kind::general ? "general" : "replacement"},
                         {"from", to_string(before)},
                         {"to", to_string(after)},
                         {"failures", b.failure_count()}});
                  self->state.publish();
                  return caf::ok_atom::value;
                },
                [self](breaker_abandon_atom, breaker_kind k) {
                  // The trial never ran: give it back without an outcome.
                  self->state.of(k).abandon_trial();
                  return caf::ok_atom::value;
                },
                [self](breaker_reset_atom, const std::string& kind) -> bool {
                  auto& st = self->state;
                  if (kind == "general")
                    st.breakers.general.reset();
                  else if (kind == "replacement")
                    st.breakers.replacement.reset();
                  else if (kind.empty()) {
                    st.breakers.general.reset();
                    st.breakers.replacement.reset();
                  } else {
                    return false;
                  }
                  log::event(spdlog::level::info, "breaker.reset",
                             {{"breaker", kind.empty() ? "all" : kind}});
                  st.publish();
                  return true;
                },
            });
}

}  // namespace

caf::actor spawn_circuit_breaker(caf::actor_system& sys, actor_directory& directory,
                                 published_state& published, const config::settings& settings,
                                 metrics::registry* metrics) {
  auto a = sys.spawn(circuit_breaker, &published, &settings, metrics);
  directory.add(a, "circuit_breaker", "circuit_breaker");
  return a;
}

}  // namespace acepool::actors
