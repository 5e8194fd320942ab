#include "actors/provisioning/published_breaker.hpp"

#include "config/settings.hpp"
#include "support/announce.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

breaker general_breaker_of(const config::settings& s) {
  return breaker(s.health.breaker_failure_threshold, s.health.breaker_recovery_timeout);
}

breaker replacement_breaker_of(const config::settings& s) {
  return breaker(s.health.replacement_breaker_threshold, s.health.replacement_breaker_timeout);
}

published_breaker::published_breaker(std::string name, breaker initial,
                                     support::snapshot_cell<breaker>& cell,
                                     metrics::registry* metrics, support::live_feed* feed)
    : name_(std::move(name)), breaker_(initial), cell_(&cell), metrics_(metrics), feed_(feed) {
  publish();
}

breaker::admission published_breaker::admit(clock::time_point now) {
  auto a = breaker_.admit(now);
  if (a.trial) publish();
  return a;
}

void published_breaker::record(bool success, clock::time_point now) {
  auto before = breaker_.current(now);
  if (success)
    breaker_.record_success(now, std::chrono::system_clock::now());
  else
    breaker_.record_failure(now, std::chrono::system_clock::now());
  auto after = breaker_.current(now);
  if (before != after)
    announce(feed_, after == breaker::state::closed ? spdlog::level::info : spdlog::level::warn,
             "breaker.transition",
             {{"breaker", name_},
              {"from", to_string(before)},
              {"to", to_string(after)},
              {"failures", breaker_.failure_count()}});
  publish();
}

void published_breaker::abandon_trial() {
  breaker_.abandon_trial();
  publish();
}

void published_breaker::reset() {
  breaker_.reset();
  announce(feed_, spdlog::level::info, "breaker.reset", {{"breaker", name_}});
  publish();
}

void published_breaker::publish() {
  cell_->publish(breaker_);
  if (metrics_ == nullptr) return;
  auto current = breaker_.current(clock::now());
  for (auto s : {breaker::state::closed, breaker::state::open, breaker::state::half_open})
    metrics_->gauge(metrics::circuit_state, {{"breaker", name_}, {"state", to_string(s)}})
        .set(s == current ? 1 : 0);
}

}  // namespace acepool::actors
