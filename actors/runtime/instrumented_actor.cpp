#include "actors/runtime/instrumented_actor.hpp"

#include <chrono>
#include <mutex>

#include <caf/response_promise.hpp>
#include <caf/sec.hpp>

#include "support/logging.hpp"

namespace acepool::actors {

namespace {

int64_t wall_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct exception_counts {
  std::mutex mutex;
  std::map<std::string, uint64_t> by_actor;
};

exception_counts& counts() {
  static exception_counts c;
  return c;
}

}  // namespace

std::map<std::string, uint64_t> handler_exceptions() {
  auto& c = counts();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.by_actor;
}

blocking_call_scope::blocking_call_scope(actor_vitals& v) : vitals_(v) {
  vitals_.blocking_since_ms.store(wall_ms_now(), std::memory_order_relaxed);
}

blocking_call_scope::~blocking_call_scope() {
  vitals_.blocking_since_ms.store(0, std::memory_order_relaxed);
}

namespace detail {

namespace {

void survive_exception(caf::scheduled_actor& self, caf::mailbox_element& x, const char* what) {
  {
    auto& c = counts();
    std::lock_guard<std::mutex> lock(c.mutex);
    ++c.by_actor[self.name()];
  }
  std::string message;
  try {
    message = to_string(x.content());
  } catch (...) {
    message = "?";
  }
  if (message.size() > 200) message.resize(200);
  log::event(spdlog::level::err, "actor.handler_exception",
             {{"actor", self.name()}, {"message", message}, {"error", what}});
  if (x.mid.is_request() && !x.mid.is_answered()) {
    // The requester gets an error now instead of waiting for its timeout.
    auto rp = self.make_response_promise();
    rp.deliver(caf::make_error(caf::sec::runtime_error, std::string("handler failed: ") + what));
  }
}

}  // namespace

void instrument(caf::scheduled_actor& self) {
  // CAF's defaults print unexpected messages to stderr (breaking JSON logs) and make an actor
  // quit on an unhandled error message; a long-lived actor must do neither.
  self.set_default_handler(
      [](caf::scheduled_actor* a, caf::message_view& x) -> caf::result<caf::message> {
        auto text = to_string(x.copy_content_to_message());
        if (text.size() > 200) text.resize(200);
        log::event(spdlog::level::debug, "actor.unexpected_message",
                   {{"actor", a->name()}, {"message", text}});
        return caf::message{};
      });
  self.set_error_handler([](caf::scheduled_actor* a, caf::error& err) {
    log::event(spdlog::level::warn, "actor.error",
               {{"actor", a->name()}, {"error", a->system().render(err)}});
  });
}

caf::invoke_message_result consume_counted(
    caf::scheduled_actor& self, actor_vitals& v, caf::mailbox_element& x,
    const std::function<caf::invoke_message_result()>& consume) {
  auto now = wall_ms_now();
  v.processed.fetch_add(1, std::memory_order_relaxed);
  v.last_message_ms.store(now, std::memory_order_relaxed);
  auto result = caf::invoke_message_result::consumed;
  try {
    result = consume();
  } catch (const std::exception& e) {
    survive_exception(self, x, e.what());
  } catch (...) {
    survive_exception(self, x, "unknown exception");
  }
  v.mailbox.store(self.mailbox().size(), std::memory_order_relaxed);
  return result;
}

}  // namespace detail

}  // namespace acepool::actors
