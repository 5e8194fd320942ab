#include "actors/introspection.hpp"

#include <chrono>

#include "support/time_format.hpp"

namespace acepool::actors {

nlohmann::json stats_of(instrumented_actor* self, nlohmann::json state_summary) {
  const auto& v = *self->vitals();
  auto last_ms = v.last_message_ms.load(std::memory_order_relaxed);
  nlohmann::json last = nullptr;
  if (last_ms > 0)
    last = support::format_rfc3339(
        support::wall_clock::time_point(std::chrono::milliseconds(last_ms)));
  return {{"id", self->id()},
          {"mailbox", self->mailbox().size()},
          {"processed", v.processed.load(std::memory_order_relaxed)},
          {"last_message_at", std::move(last)},
          {"state_summary", std::move(state_summary)}};
}

}  // namespace acepool::actors
