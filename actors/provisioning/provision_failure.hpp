#pragma once

#include <chrono>
#include <optional>

#include "actors/provisioning/provision_types.hpp"
#include "docker/docker_error.hpp"

namespace acepool::actors {

/// What a provisioning operation does about a failed Docker call (docs/behaviour.md §3).
enum class failure_action {
  other_port,  ///< a host port clash with another process: quarantine it, take another
  next_name,   ///< the name is taken: try the next `<prefix>-N`
  retry,       ///< may go away: clean up this attempt and retry after a backoff
  fail,        ///< final: answer with `code`
};

/// The decision and the provisioning code it answers with (when it fails now or later).
struct failure_verdict {
  failure_action action = failure_action::fail;
  provision_code code = provision_code::general_error;
  /// The attempt's host ports are held by another process: quarantine them.
  bool quarantine_ports = false;
};

/// How often an operation may meet the same obstacle before it gives up.
struct attempt_limits {
  int port_clashes = 10;
  int name_conflicts = 20;
};

/// The obstacles an operation has met so far, counting the one being judged.
struct attempt_counts {
  int port_clashes = 0;
  int name_conflicts = 0;
};

/// Judges a failed Docker call of an engine (`engine`) or generic container operation. A clash
/// on a port the caller chose (generic containers) and a request Docker refuses are the
/// caller's: answered at once, never retried.
failure_verdict judge_docker_failure(docker::docker_errc error, bool engine,
                                     const attempt_counts& seen, const attempt_limits& limits = {});

/// The wait before retry number `failures` (1-based): RETRY_BACKOFF_S · 2^(failures−1), capped
/// at 2^10; none once MAX_RETRIES is used up.
std::optional<std::chrono::milliseconds> retry_backoff(int failures, int max_retries,
                                                       std::chrono::milliseconds base);

}  // namespace acepool::actors
