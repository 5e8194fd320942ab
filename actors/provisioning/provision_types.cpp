#include "actors/provisioning/provision_types.hpp"

namespace acepool::actors {

const char* to_string(request_origin o) {
  switch (o) {
    case request_origin::pool:
      return "pool";
    case request_origin::relay:
      return "relay";
    case request_origin::replacement:
      return "replacement";
    case request_origin::api:
      break;
  }
  return "api";
}

const char* to_string(provision_code c) {
  switch (c) {
    case provision_code::vpn_disconnected:
      return "vpn_disconnected";
    case provision_code::circuit_breaker:
      return "circuit_breaker";
    case provision_code::rate_limited:
      return "rate_limited";
    case provision_code::max_capacity:
      return "max_capacity";
    case provision_code::no_node:
      return "no_node";
    case provision_code::docker_unavailable:
      return "docker_unavailable";
    case provision_code::timeout:
      return "timeout";
    case provision_code::image_not_allowed:
      return "image_not_allowed";
    case provision_code::invalid_request:
      return "invalid_request";
    case provision_code::image_missing:
      return "image_missing";
    case provision_code::general_error:
      break;
  }
  return "general_error";
}

const char* error_kind(provision_code c) {
  switch (c) {
    case provision_code::vpn_disconnected:
    case provision_code::circuit_breaker:
    case provision_code::rate_limited:
    case provision_code::max_capacity:
    case provision_code::no_node:
      return "provisioning_blocked";
    case provision_code::image_not_allowed:
    case provision_code::invalid_request:
      return "invalid_request";
    default:
      return "provisioning_failed";
  }
}

int http_status(provision_code c, bool relay) {
  switch (c) {
    case provision_code::vpn_disconnected:
    case provision_code::circuit_breaker:
    case provision_code::rate_limited:
    case provision_code::docker_unavailable:
    case provision_code::no_node:
      return 503;
    case provision_code::max_capacity:
      return relay ? 503 : 409;
    case provision_code::timeout:
      return 504;
    case provision_code::image_not_allowed:
      return 403;
    case provision_code::invalid_request:
      return 400;
    case provision_code::image_missing:
    case provision_code::general_error:
      break;
  }
  return 500;
}

bool counts_against_breaker(provision_code c) {
  return c == provision_code::timeout || c == provision_code::docker_unavailable ||
         c == provision_code::image_missing || c == provision_code::general_error;
}

nlohmann::json error_body(const provision_error& e) {
  const std::string kind = error_kind(e.code);
  const bool blocked = kind == "provisioning_blocked";
  const bool transient = blocked || e.code == provision_code::docker_unavailable ||
                         e.code == provision_code::timeout ||
                         e.code == provision_code::general_error;
  return {{"detail",
           {{"error", kind},
            {"code", to_string(e.code)},
            {"message", e.message},
            {"recovery_eta_seconds", e.eta_s ? nlohmann::json(*e.eta_s) : nlohmann::json(nullptr)},
            {"can_retry", transient},
            {"should_wait", e.eta_s.has_value()}}}};
}

}  // namespace acepool::actors

namespace acepool::actors {

std::optional<int> default_eta(provision_code c) {
  switch (c) {
    case provision_code::vpn_disconnected:
      return 60;
    case provision_code::rate_limited:
      return 5;
    case provision_code::docker_unavailable:
      return 10;
    default:
      return std::nullopt;
  }
}

}  // namespace acepool::actors
