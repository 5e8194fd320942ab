#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "actors/pool/engine_record.hpp"
#include "actors/streams/engine_selection.hpp"

namespace acepool::relay {

using actors::engine_record;
using actors::engine_wishes;

/// Where a relay's session is (docs/architecture.md "Relay data path" has the diagram).
enum class phase { selecting, provisioning, starting, connecting, streaming, backoff, ending };

/// The phase's name in /debug and logs (`backoff` shows as `failover_backoff`).
const char* to_string(phase p);

/// What a lost session says about its engine, for the next selection.
enum class engine_verdict {
  keep,     ///< the session failed, not the engine: go back to it (its cache is warm)
  avoid,    ///< the connection to it broke or went silent: others first, it only as a fallback
  exclude,  ///< being removed, unhealthy, or it could not start the content: not again
};

/// Why a session was given up, and what that says about its engine.
struct session_loss {
  std::string detail;
  engine_verdict engine = engine_verdict::keep;
};

/// The limits the rules apply (docs/configuration.md "Relay").
struct relay_limits {
  int failover_attempts = 3;                       ///< STREAM_FAILOVER_ATTEMPTS
  std::chrono::milliseconds linger{0};             ///< STREAM_LINGER_S
  std::chrono::milliseconds empty_timeout{10000};  ///< STREAM_EMPTY_TIMEOUT_S
  std::chrono::milliseconds start_timeout{30000};  ///< STREAM_START_TIMEOUT_S
  std::chrono::milliseconds vpn_wait{120000};      ///< PROVISION_TIMEOUT_S
};

/// The failover rules of one relay (docs/behaviour.md §7): how many consecutive attempts, the
/// backoff between them, which engine the next session should (not) use, when the count resets.
class failover_counter {
 public:
  using clock = std::chrono::steady_clock;

  explicit failover_counter(int max_attempts) : max_(max_attempts) {}

  /// What to do after a loss while clients were streaming.
  struct decision {
    bool give_up = false;                ///< attempts used up: end the stream
    int attempt = 0;                     ///< the attempt this loss starts (1-based)
    engine_wishes wishes;                ///< for the next selection
    std::chrono::milliseconds delay{0};  ///< before the next selection
  };
  /// Counts a loss of a session on `engine_id`.
  decision lost(const session_loss& loss, const std::string& engine_id);

  /// The session has streamed since `since`: after 60 s of good flow the count starts over.
  void flowing(clock::time_point since, clock::time_point now);

  int attempts() const { return attempts_; }

 private:
  int max_;
  int attempts_ = 0;
};

/// What a relay's periodic check finds.
enum class watchdog_finding {
  fine,
  linger_over,    ///< no client for STREAM_LINGER_S: end the stream
  start_timeout,  ///< no first byte within STREAM_START_TIMEOUT_S of opening the session
  silent,         ///< streaming, but no byte for STREAM_EMPTY_TIMEOUT_S
};

/// The facts one check looks at.
struct watchdog_facts {
  phase current = phase::selecting;
  std::chrono::steady_clock::time_point now{};
  std::optional<std::chrono::steady_clock::time_point> no_clients_since;
  std::chrono::steady_clock::time_point start_deadline{};  ///< of the session being opened
  std::chrono::steady_clock::time_point last_upstream{};   ///< the last upstream byte
};

/// The first thing wrong with the session, in order: linger over, start timeout, silence.
watchdog_finding check(const watchdog_facts& f, const relay_limits& limits);

/// Whether the engine a session streams from is still fit (`found`: its record in the published
/// snapshot, null when it is gone): a stopping, unhealthy or vanished engine loses the session.
std::optional<session_loss> engine_problem(const engine_record* found);

/// Whether a failover blocked only by a VPN that is down may keep waiting for it (without
/// spending an attempt): up to `limits.vpn_wait` since it started waiting.
bool may_wait_for_vpn(std::chrono::steady_clock::time_point waiting_since,
                      std::chrono::steady_clock::time_point now, const relay_limits& limits);

}  // namespace acepool::relay
