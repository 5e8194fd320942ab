#include "actors/runtime/shutdown_sequence.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"

namespace acepool::actors {

void stop_all_actors(caf::actor_system& sys, actor_directory& directory,
                     std::chrono::steady_clock::time_point deadline) {
  caf::scoped_actor self{sys};
  std::optional<caf::actor> store;
  size_t waiting = 0;
  for (const auto& e : directory.list()) {
    if (e.name == "store") {
      store = e.handle;
      continue;
    }
    self->monitor(e.handle);
    self->send_exit(e.handle, caf::exit_reason::user_shutdown);
    ++waiting;
  }
  bool late = false;
  while (waiting > 0 && !late) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    self->receive([&](caf::down_msg&) { --waiting; }, caf::after(left) >> [&] { late = true; });
  }
  if (store) {
    // Behind everything the other actors sent, so the flush writes all of it.
    auto left = std::max(std::chrono::milliseconds(100),
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now()));
    self->request(*store, left, flush_atom::value).receive([](caf::ok_atom) {}, [](caf::error&) {});
    self->send_exit(*store, caf::exit_reason::user_shutdown);
  }
  // Per-stream actors spawned late and anything not registered exit with their owners.
  for (const auto& e : directory.list())
    self->send_exit(e.handle, caf::exit_reason::user_shutdown);
}

}  // namespace acepool::actors
