#include "actors/runtime/actor_system_setup.hpp"

#include <caf/atom.hpp>

namespace acepool::actors {

void configure_actor_system(caf::actor_system_config& cfg, size_t threads) {
  cfg.set("scheduler.policy", caf::atom("sharing"));
  cfg.set("scheduler.max-threads", threads);
}

void configure_test_actor_system(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  // One message per job, so a test can step an actor message by message.
  cfg.set("scheduler.max-throughput", size_t{1});
}

}  // namespace acepool::actors
