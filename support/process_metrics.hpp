#pragma once

namespace acepool::metrics {
class registry;
}

namespace acepool::support {

/// Adds the standard process families to `reg`: process_cpu_seconds_total,
/// process_resident_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds.
void add_process_metrics(metrics::registry& reg);

}  // namespace acepool::support
