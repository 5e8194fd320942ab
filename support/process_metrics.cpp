#include "support/process_metrics.hpp"

#include <fmt/format.h>

#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/process_stats.hpp"

namespace acepool::support {

void add_process_metrics(metrics::registry& reg) {
  reg.add_text_collector([] {
    auto s = read_process_stats();
    if (!s) return std::string();
    using metrics::render_single_series;
    return render_single_series(metrics::process_cpu, fmt::format("{}", s->cpu_seconds)) +
           render_single_series(metrics::process_memory, fmt::format("{}", s->rss_bytes)) +
           render_single_series(metrics::process_fds, fmt::format("{}", s->open_fds)) +
           render_single_series(metrics::process_max_fds, fmt::format("{}", s->max_fds)) +
           render_single_series(metrics::process_start, fmt::format("{:.2f}", s->start_time_unix));
  });
}

}  // namespace acepool::support
