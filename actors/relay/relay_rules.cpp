#include "actors/relay/relay_rules.hpp"

#include <algorithm>

namespace acepool::relay {

using namespace std::chrono_literals;

namespace {

constexpr auto healthy_flow = 60s;  // failover attempts start over after this much good flow

}  // namespace

const char* to_string(phase p) {
  switch (p) {
    case phase::selecting:
      return "selecting";
    case phase::provisioning:
      return "provisioning";
    case phase::starting:
      return "starting";
    case phase::connecting:
      return "connecting";
    case phase::streaming:
      return "streaming";
    case phase::backoff:
      return "failover_backoff";
    case phase::ending:
      return "ending";
  }
  return "?";
}

failover_counter::decision failover_counter::lost(const session_loss& loss,
                                                  const std::string& engine_id) {
  decision d;
  d.attempt = ++attempts_;
  if (attempts_ > max_) {
    d.give_up = true;
    return d;
  }
  switch (loss.engine) {
    case engine_verdict::exclude:
      d.wishes.excluded.push_back(engine_id);
      break;
    case engine_verdict::avoid:
      d.wishes.avoided.push_back(engine_id);
      break;
    case engine_verdict::keep:
      d.wishes.preferred = engine_id;
      break;
  }
  d.delay = std::min<std::chrono::milliseconds>(500ms * (attempts_ - 1), 2s);
  return d;
}

void failover_counter::flowing(clock::time_point since, clock::time_point now) {
  if (attempts_ > 0 && now - since >= healthy_flow) attempts_ = 0;
}

watchdog_finding check(const watchdog_facts& f, const relay_limits& limits) {
  if (f.current == phase::ending) return watchdog_finding::fine;
  if (f.no_clients_since && f.now - *f.no_clients_since >= limits.linger)
    return watchdog_finding::linger_over;
  if ((f.current == phase::starting || f.current == phase::connecting) && f.now > f.start_deadline)
    return watchdog_finding::start_timeout;
  if (f.current == phase::streaming && f.now - f.last_upstream >= limits.empty_timeout)
    return watchdog_finding::silent;
  return watchdog_finding::fine;
}

std::optional<session_loss> engine_problem(const engine_record* found) {
  if (found == nullptr) return session_loss{"engine is gone", engine_verdict::exclude};
  if (found->state == actors::engine_state::stopping)
    return session_loss{"engine is being removed", engine_verdict::exclude};
  if (found->health == actors::health_status::unhealthy)
    return session_loss{"engine is unhealthy", engine_verdict::exclude};
  return std::nullopt;
}

bool may_wait_for_vpn(std::chrono::steady_clock::time_point waiting_since,
                      std::chrono::steady_clock::time_point now, const relay_limits& limits) {
  return now - waiting_since < limits.vpn_wait;
}

}  // namespace acepool::relay
