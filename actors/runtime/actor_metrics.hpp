#pragma once

#include <memory>

namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

class actor_directory;

/// Adds `acepool_actor_mailbox{actor}` (the mailbox size each actor last published; per-stream
/// actors aggregated as the maximum under their kind) and `acepool_actors{kind}`.
void add_actor_metrics(metrics::registry& reg, std::shared_ptr<actor_directory> directory);

}  // namespace acepool::actors
