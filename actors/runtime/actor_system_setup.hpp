#pragma once

#include <caf/actor_system_config.hpp>

namespace acepool::actors {

/// Configures CAF for acepool in code (CAF never parses argv or caf-application.ini):
/// the `sharing` scheduler (idles at 0% CPU, unlike work stealing) with `threads` workers
/// (2 on the 2-core target).
void configure_actor_system(caf::actor_system_config& cfg, size_t threads = 2);

/// Configures CAF's deterministic `testing` scheduler for actor unit tests.
void configure_test_actor_system(caf::actor_system_config& cfg);

}  // namespace acepool::actors
