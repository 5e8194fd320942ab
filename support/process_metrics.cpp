#include "support/process_metrics.hpp"

#include <fmt/format.h>

#include "support/metrics_registry.hpp"
#include "support/process_stats.hpp"

namespace acepool::support {

void add_process_metrics(metrics::registry& reg) {
  reg.add_text_collector([] {
    auto s = read_process_stats();
    if (!s) return std::string();
    return fmt::format(
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {}\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {}\n"
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\nprocess_open_fds {}\n"
        "# HELP process_max_fds Maximum number of open file descriptors.\n"
        "# TYPE process_max_fds gauge\nprocess_max_fds {}\n"
        "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {:.2f}\n",
        s->cpu_seconds, s->rss_bytes, s->open_fds, s->max_fds, s->start_time_unix);
  });
}

}  // namespace acepool::support
