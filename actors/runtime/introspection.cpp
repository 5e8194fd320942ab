#include "actors/runtime/introspection.hpp"

#include <chrono>

#include "support/time_format.hpp"

namespace acepool::actors {

namespace {

// Vitals keep wall-clock times as milliseconds since the epoch, 0 for none.
nlohmann::json wall_ms_or_null(int64_t ms) {
  if (ms <= 0) return nullptr;
  return support::rfc3339_or_null(support::wall_clock::time_point(std::chrono::milliseconds(ms)));
}

}  // namespace

nlohmann::json vitals_json(const actor_vitals& v) {
  return {{"processed", v.processed.load(std::memory_order_relaxed)},
          {"last_message_at", wall_ms_or_null(v.last_message_ms.load(std::memory_order_relaxed))},
          {"in_blocking_call_since",
           wall_ms_or_null(v.blocking_since_ms.load(std::memory_order_relaxed))}};
}

nlohmann::json stats_of(caf::scheduled_actor* self, const actor_vitals& vitals,
                        nlohmann::json state_summary) {
  nlohmann::json out{{"id", self->id()}, {"mailbox", self->mailbox().size()}};
  out.update(vitals_json(vitals));
  out["state_summary"] = std::move(state_summary);
  return out;
}

}  // namespace acepool::actors
