#pragma once

#include <string>

#include "actors/provisioning/breaker.hpp"
#include "support/live_feed.hpp"
#include "support/snapshot_cell.hpp"

namespace acepool::config {
struct settings;
}
namespace acepool::metrics {
class registry;
}

namespace acepool::actors {

/// The provisioning breaker as configured (CIRCUIT_BREAKER_FAILURE_THRESHOLD and its recovery).
breaker general_breaker_of(const config::settings& s);
/// The health replacement breaker as configured (CIRCUIT_BREAKER_REPLACEMENT_*).
breaker replacement_breaker_of(const config::settings& s);

/// A breaker owned by the one actor that uses it (the provisioner owns `general`, the
/// health_prober owns `replacement`): every admission and outcome is a plain call, every change
/// is announced as a transition (log and live feed), published to `cell` for HTTP and set on the
/// `acepool_circuit_state{breaker=<name>}` gauge.
class published_breaker {
 public:
  using clock = breaker::clock;

  /// `metrics` and `feed` may be null.
  published_breaker(std::string name, breaker initial, support::snapshot_cell<breaker>& cell,
                    metrics::registry* metrics, support::live_feed* feed);

  /// Whether an operation may start now (see breaker::admit); a half_open trial is published.
  breaker::admission admit(clock::time_point now);
  /// Records a final outcome of an admitted operation.
  void record(bool success, clock::time_point now);
  /// Gives back a half_open trial whose operation never ran.
  void abandon_trial();
  /// POST /health/circuit-breaker/reset: closed, failures forgotten.
  void reset();

  const breaker& current() const { return breaker_; }
  const std::string& name() const { return name_; }

 private:
  void publish();

  std::string name_;
  breaker breaker_;
  support::snapshot_cell<breaker>* cell_;
  metrics::registry* metrics_;
  support::live_feed* feed_;
};

}  // namespace acepool::actors
