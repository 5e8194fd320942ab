#include "http/state_json.hpp"

#include "support/time_format.hpp"

namespace acepool::http {

namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

using actors::breaker;
using actors::vpn_snapshot;

nlohmann::json breaker_json(const breaker& b, breaker::clock::time_point now) {
  return {{"state", to_string(b.current(now))},
          {"failure_count", b.failure_count()},
          {"failure_threshold", b.threshold()},
          {"last_failure_time", support::rfc3339_or_null(b.last_failure())},
          {"last_success_time", support::rfc3339_or_null(b.last_success())},
          {"recovery_timeout", static_cast<double>(b.recovery_timeout().count()) / 1000.0}};
}

nlohmann::json vpn_status_json(const vpn_snapshot& v) {
  if (!v.enabled)
    return {{"enabled", false},          {"status", "disabled"}, {"container", nullptr},
            {"container_name", nullptr}, {"health", "unknown"},  {"connected", false},
            {"forwarded_port", nullptr}, {"public_ip", nullptr}, {"last_check_at", nullptr}};
  return {{"enabled", true},
          {"status", v.status},
          {"container", or_null(v.container_id)},
          {"container_name", v.container_name},
          {"health", v.health},
          {"vpn_status", v.vpn_status},
          {"connected", v.connected},
          {"forwarded_port", or_null(v.forwarded_port)},
          {"public_ip", or_null(v.public_ip)},
          {"country", or_null(v.country)},
          {"last_check_at", support::rfc3339_or_null(v.last_check_at)}};
}

nlohmann::json vpn_summary_json(const vpn_snapshot& v) {
  return {{"enabled", v.enabled},
          {"connected", v.connected},
          {"health", v.health},
          {"container", v.enabled ? nlohmann::json(v.container_name) : nlohmann::json(nullptr)},
          {"forwarded_port", or_null(v.forwarded_port)}};
}

}  // namespace acepool::http
