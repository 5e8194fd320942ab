#include "config/settings_rules.hpp"

#include "config/value_parsers.hpp"

namespace acepool::config {

namespace {

std::string range_text(const port_range& r) {
  return std::to_string(r.low) + "-" + std::to_string(r.high);
}

std::string overlap_error(const char* a, const port_range& ra, const char* b,
                          const port_range& rb) {
  return std::string(a) + "=" + range_text(ra) + " overlaps " + b + "=" + range_text(rb) +
         ": the port ranges acepool allocates from must not overlap";
}

}  // namespace

rule_outcome check_cross_field_rules(const settings& s) {
  rule_outcome out;
  auto fail = [&](std::string msg) {
    if (!out.error) out.error = std::move(msg);
  };
  const auto& pool = s.pool;
  const auto& dk = s.docker;
  if (pool.min_replicas > pool.max_replicas)
    fail("MIN_REPLICAS=" + std::to_string(pool.min_replicas) +
         " must not exceed MAX_REPLICAS=" + std::to_string(pool.max_replicas));
  if (pool.min_free_replicas > pool.max_replicas)
    fail("MIN_FREE_REPLICAS=" + std::to_string(pool.min_free_replicas) +
         " must not exceed MAX_REPLICAS=" + std::to_string(pool.max_replicas));
  if (s.service.api_long_operation_timeout < dk.provision_timeout)
    fail("API_LONG_OPERATION_TIMEOUT_S=" + format_seconds(s.service.api_long_operation_timeout) +
         " must be at least PROVISION_TIMEOUT_S=" + format_seconds(dk.provision_timeout));
  if (!s.service.api_key && (s.service.api_key_reads || s.service.metrics_auth))
    fail(std::string(s.service.api_key_reads ? "API_KEY_READS" : "METRICS_AUTH") +
         "=true protects nothing without API_KEY: set API_KEY too");
  if (s.service.relay_port && *s.service.relay_port == s.service.app_port)
    fail("RELAY_PORT=" + std::to_string(*s.service.relay_port) +
         " must differ from APP_PORT=" + std::to_string(s.service.app_port));

  if (dk.generic_port_range) {
    if (dk.generic_port_range->overlaps(dk.port_range_host))
      fail(overlap_error("GENERIC_PORT_RANGE", *dk.generic_port_range, "PORT_RANGE_HOST",
                         dk.port_range_host));
    if (s.vpn.enabled() && dk.generic_port_range->overlaps(s.vpn.gluetun_port_range))
      fail(overlap_error("GENERIC_PORT_RANGE", *dk.generic_port_range, "GLUETUN_PORT_RANGE",
                         s.vpn.gluetun_port_range));
  }
  if (s.vpn.enabled()) {
    if (s.vpn.gluetun_port_range.overlaps(dk.ace_https_range))
      fail(overlap_error("GLUETUN_PORT_RANGE", s.vpn.gluetun_port_range, "ACE_HTTPS_RANGE",
                         dk.ace_https_range));
    if (s.vpn.gluetun_port_range.size() < static_cast<size_t>(s.vpn.max_active_replicas))
      out.warnings.push_back("GLUETUN_PORT_RANGE=" + range_text(s.vpn.gluetun_port_range) +
                             " holds fewer ports than MAX_ACTIVE_REPLICAS=" +
                             std::to_string(s.vpn.max_active_replicas) +
                             "; the VPN engine cap is the range size");
  } else {
    if (dk.port_range_host.overlaps(dk.ace_https_range))
      fail(overlap_error("PORT_RANGE_HOST", dk.port_range_host, "ACE_HTTPS_RANGE",
                         dk.ace_https_range));
    if (dk.access == engine_access::network && dk.ace_http_range.overlaps(dk.ace_https_range))
      fail(overlap_error("ACE_HTTP_RANGE", dk.ace_http_range, "ACE_HTTPS_RANGE",
                         dk.ace_https_range));
    size_t needed = static_cast<size_t>(pool.max_replicas) * (dk.ace_map_https ? 2 : 1);
    if (dk.port_range_host.size() < needed)
      out.warnings.push_back("PORT_RANGE_HOST=" + range_text(dk.port_range_host) + " holds " +
                             std::to_string(dk.port_range_host.size()) +
                             " ports but MAX_REPLICAS=" + std::to_string(pool.max_replicas) +
                             " needs " + std::to_string(needed));
  }
  if (dk.ace_https_range.size() < static_cast<size_t>(pool.max_replicas))
    out.warnings.push_back(
        "ACE_HTTPS_RANGE=" + range_text(dk.ace_https_range) +
        " holds fewer ports than MAX_REPLICAS=" + std::to_string(pool.max_replicas));
  if (dk.orchestrator == orchestrator_mode::swarm && s.vpn.enabled())
    fail(
        "ORCHESTRATOR=swarm cannot run VPN engines (GLUETUN_CONTAINER_NAME): they share the "
        "Gluetun container's network, which a Swarm service cannot join");
  if (dk.orchestrator == orchestrator_mode::docker && !dk.swarm_constraints.empty())
    out.warnings.push_back("SWARM_CONSTRAINTS applies with ORCHESTRATOR=swarm only");
  if (dk.orchestrator == orchestrator_mode::docker && dk.max_engines_per_node > 0)
    out.warnings.push_back("MAX_REPLICAS_PER_NODE applies with ORCHESTRATOR=swarm only");
  if (dk.orchestrator == orchestrator_mode::swarm && dk.engine_publish_address != "0.0.0.0")
    out.warnings.push_back(
        "ORCHESTRATOR=swarm publishes engine ports on every interface of their node "
        "(ENGINE_PUBLISH_ADDRESS=" +
        dk.engine_publish_address +
        " does not apply): allow PORT_RANGE_HOST only from acepool's host in the nodes' firewall");
  if (dk.access == engine_access::network && !dk.network && !s.vpn.enabled())
    fail("ENGINE_ACCESS=network needs DOCKER_NETWORK (or GLUETUN_CONTAINER_NAME) to be set");
  return out;
}

}  // namespace acepool::config
