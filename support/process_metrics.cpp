#include "support/process_metrics.hpp"

#include <fmt/format.h>

#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/process_stats.hpp"

namespace acepool::support {

namespace {

std::string family(const metrics::metric_family& f, const std::string& value) {
  return fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", f.name, f.help,
                     metrics::to_string(f.type), value);
}

}  // namespace

void add_process_metrics(metrics::registry& reg) {
  reg.add_text_collector([] {
    auto s = read_process_stats();
    if (!s) return std::string();
    return family(metrics::process_cpu, fmt::format("{}", s->cpu_seconds)) +
           family(metrics::process_memory, fmt::format("{}", s->rss_bytes)) +
           family(metrics::process_fds, fmt::format("{}", s->open_fds)) +
           family(metrics::process_max_fds, fmt::format("{}", s->max_fds)) +
           family(metrics::process_start, fmt::format("{:.2f}", s->start_time_unix));
  });
}

}  // namespace acepool::support
