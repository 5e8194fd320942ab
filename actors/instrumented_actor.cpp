#include "actors/instrumented_actor.hpp"

#include <chrono>

#include "support/logging.hpp"

namespace acepool::actors {

namespace {

int64_t wall_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

blocking_call_scope::blocking_call_scope(actor_vitals& v) : vitals_(v) {
  vitals_.blocking_since_ms.store(wall_ms_now(), std::memory_order_relaxed);
}

blocking_call_scope::~blocking_call_scope() {
  vitals_.blocking_since_ms.store(0, std::memory_order_relaxed);
}

instrumented_actor::instrumented_actor(caf::actor_config& cfg)
    : caf::event_based_actor(cfg), vitals_(std::make_shared<actor_vitals>()) {
  // CAF's defaults print unexpected messages to stderr (breaking JSON logs) and make an actor
  // quit on an unhandled error message; a long-lived actor must do neither.
  set_default_handler(
      [](caf::scheduled_actor* self, caf::message_view& x) -> caf::result<caf::message> {
        auto text = to_string(x.copy_content_to_message());
        if (text.size() > 200) text.resize(200);
        log::event(spdlog::level::debug, "actor.unexpected_message",
                   {{"actor", self->name()}, {"message", text}});
        return caf::message{};
      });
  set_error_handler([](caf::scheduled_actor* self, caf::error& err) {
    log::event(spdlog::level::warn, "actor.error",
               {{"actor", self->name()}, {"error", self->system().render(err)}});
  });
}

caf::invoke_message_result instrumented_actor::consume(caf::mailbox_element& x) {
  auto now = wall_ms_now();
  vitals_->processed.fetch_add(1, std::memory_order_relaxed);
  vitals_->last_message_ms.store(now, std::memory_order_relaxed);
  auto result = caf::event_based_actor::consume(x);
  vitals_->mailbox.store(mailbox().size(), std::memory_order_relaxed);
  return result;
}

}  // namespace acepool::actors
