#pragma once

#include <memory>

#include "actors/relay/stream_hub.hpp"

namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

/// Adds the relay's data-path figures (docs/behaviour.md §9), read from the shared counters at
/// scrape time: `acepool_stream_clients`, `acepool_relay_bytes_total`,
/// `acepool_relay_client_skips_total`, `acepool_relay_client_drops_total` and
/// `acepool_relay_client_disconnects_total`.
void add_relay_metrics(metrics::registry& reg, std::shared_ptr<const relay::relay_counters> c);

}  // namespace acepool::actors
