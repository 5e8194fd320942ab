#include "actors/relay/relay_metrics.hpp"

#include <string>

#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

std::string family(const char* name, const char* type, const char* help, double value) {
  char number[32];
  std::snprintf(number, sizeof number, "%.17g", value);
  return std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + number + "\n";
}

}  // namespace

void add_relay_metrics(metrics::registry& reg, std::shared_ptr<const relay::relay_counters> c) {
  reg.add_text_collector([c = std::move(c)] {
    auto d = [](auto v) { return static_cast<double>(v); };
    return family("acepool_stream_clients", "gauge", "Relay clients connected",
                  d(std::max<int64_t>(0, c->clients.load()))) +
           family("acepool_relay_bytes_total", "counter", "Stream bytes written to relay clients",
                  d(c->bytes_out.load())) +
           family("acepool_relay_client_skips_total", "counter",
                  "Lagging relay clients moved to the live edge", d(c->skips.load())) +
           family("acepool_relay_client_drops_total", "counter",
                  "Relay clients disconnected after CLIENT_WRITE_TIMEOUT_S", d(c->drops.load())) +
           family("acepool_relay_client_disconnects_total", "counter",
                  "Relay clients that went away", d(c->disconnects.load()));
  });
}

}  // namespace acepool::actors
