#include "actors/provisioning/provision_failure.hpp"

#include <algorithm>

namespace acepool::actors {

failure_verdict judge_docker_failure(docker::docker_errc error, bool engine,
                                     const attempt_counts& seen, const attempt_limits& limits) {
  using docker::docker_errc;
  switch (error) {
    case docker_errc::port_in_use:
      if (seen.port_clashes > limits.port_clashes)
        return {failure_action::fail, provision_code::general_error};
      // A generic container's host ports are the caller's choice: no other port is right.
      if (!engine) return {failure_action::fail, provision_code::invalid_request, true};
      return {failure_action::other_port, provision_code::general_error, true};
    case docker_errc::conflict:
      if (seen.name_conflicts > limits.name_conflicts)
        return {failure_action::fail, provision_code::general_error};
      return {failure_action::next_name, provision_code::general_error};
    case docker_errc::image_missing:
      return {failure_action::fail, provision_code::image_missing};
    case docker_errc::daemon_unreachable:
      return {failure_action::retry, provision_code::docker_unavailable};
    case docker_errc::bad_request:
      return {failure_action::fail, provision_code::invalid_request};
    case docker_errc::no_node:
      return {failure_action::fail, provision_code::no_node};
    case docker_errc::not_found:
    case docker_errc::timeout:
    case docker_errc::other:
      break;
  }
  return {failure_action::retry, provision_code::general_error};
}

std::optional<std::chrono::milliseconds> retry_backoff(int failures, int max_retries,
                                                       std::chrono::milliseconds base) {
  if (failures > max_retries) return std::nullopt;
  return base * (1 << std::clamp(failures - 1, 0, 10));
}

}  // namespace acepool::actors
