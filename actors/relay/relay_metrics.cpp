#include "actors/relay/relay_metrics.hpp"

#include <string>

#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

std::string family(const metrics::metric_family& f, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.17g", value);
  return metrics::render_single_series(f, number);
}

}  // namespace

void add_relay_metrics(metrics::registry& reg, std::shared_ptr<const relay::relay_counters> c) {
  reg.add_text_collector([c = std::move(c)] {
    auto d = [](auto v) { return static_cast<double>(v); };
    return family(metrics::stream_clients, d(std::max<int64_t>(0, c->clients.load()))) +
           family(metrics::relay_bytes, d(c->bytes_out.load())) +
           family(metrics::relay_client_skips, d(c->skips.load())) +
           family(metrics::relay_client_drops, d(c->drops.load())) +
           family(metrics::relay_client_disconnects, d(c->disconnects.load()));
  });
}

}  // namespace acepool::actors
