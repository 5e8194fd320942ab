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

int64_t whole_seconds(std::chrono::milliseconds d) {
  return (d.count() + 999) / 1000;
}

nlohmann::json breaker_json(const breaker& b, breaker::clock::time_point now) {
  return {{"state", to_string(b.current(now))},
          {"failure_count", b.failure_count()},
          {"failure_threshold", b.threshold()},
          {"last_failure_time", support::rfc3339_or_null(b.last_failure())},
          {"last_success_time", support::rfc3339_or_null(b.last_success())},
          {"recovery_timeout", whole_seconds(b.recovery_timeout())},
          {"recovery_timeout_ms", b.recovery_timeout().count()}};
}

nlohmann::json vpn_status_json(const vpn_snapshot& v) {
  if (!v.enabled)
    return {{"enabled", false},          {"status", "disabled"}, {"container", nullptr},
            {"container_name", nullptr}, {"health", "unknown"},  {"connected", false},
            {"forwarded_port", nullptr}, {"public_ip", nullptr}, {"last_check", nullptr},
            {"last_check_at", nullptr}};
  return {{"enabled", true},
          {"status", v.status},
          {"container", v.container_name},
          {"container_name", v.container_name},
          {"container_id", or_null(v.container_id)},
          {"health", v.health},
          {"vpn_status", v.vpn_status},
          {"connected", v.connected},
          {"forwarded_port", or_null(v.forwarded_port)},
          {"public_ip", or_null(v.public_ip)},
          {"country", or_null(v.country)},
          {"last_check", support::rfc3339_or_null(v.last_check_at)},
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
