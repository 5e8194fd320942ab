#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "docker/docker_types.hpp"

// The containers acepool creates (docs/behaviour.md §1), as plain functions.
namespace acepool::docker {

// Labels acepool writes and reads back on adoption.
inline constexpr const char* label_http_port = "acestream.http_port";
inline constexpr const char* label_https_port = "acestream.https_port";
inline constexpr const char* label_host_http_port = "host.http_port";
inline constexpr const char* label_host_https_port = "host.https_port";
inline constexpr const char* label_forwarded = "acestream.forwarded";
inline constexpr const char* label_forwarded_port = "acestream.forwarded_port";
inline constexpr const char* label_vpn_container = "acestream.vpn_container";
inline constexpr const char* label_kind = "acepool.kind";  ///< `engine` or `generic`

/// The ports of one engine: container side always; host side when published.
struct engine_ports {
  uint16_t container_http = 0;
  uint16_t container_https = 0;
  std::optional<uint16_t> host_http;
  std::optional<uint16_t> host_https;
};

/// What varies between engines.
struct engine_spec_input {
  std::string name;
  std::string image;
  std::map<std::string, std::string> caller_labels;
  std::map<std::string, std::string> caller_env;
  engine_ports ports;
  std::optional<int> p2p_port;  ///< the forwarded engine only (VPN mode)
  std::optional<std::string> vpn_container;
};

/// The engine container: management and port labels, HTTP_PORT/HTTPS_PORT/CONF env (unless the
/// caller brings CONF), ENGINE_EXTRA_ENV then caller env, network (VPN namespace, DOCKER_NETWORK,
/// or the HTTP port published on ENGINE_PUBLISH_ADDRESS), memory limit, restart policy `no`.
container_spec build_engine_spec(const config::settings& s, const engine_spec_input& in);

/// A generic container (POST /provision): management label + `acepool.kind=generic`, the given
/// ports published on ENGINE_PUBLISH_ADDRESS.
container_spec build_generic_spec(const config::settings& s, const std::string& name,
                                  const std::string& image,
                                  const std::map<std::string, std::string>& env,
                                  const std::map<std::string, std::string>& labels,
                                  const std::map<std::string, uint16_t>& ports);

/// Why a caller's labels or env are refused (they may not override acepool's own keys), or nothing.
std::optional<std::string> check_caller_keys(const config::settings& s,
                                             const std::map<std::string, std::string>& labels,
                                             const std::map<std::string, std::string>& env);

/// `--http-port=N` / `--https-port=N` lines of a caller's CONF (honoured and reserved).
struct conf_ports {
  std::optional<uint16_t> http;
  std::optional<uint16_t> https;
};
/// Nothing when a port in CONF is not a valid port number.
std::optional<conf_ports> parse_conf_ports(const std::string& conf);

/// N for the next `<prefix>-N`: 1 + the highest N among `names`.
int next_name_index(const std::vector<std::string>& names, const std::string& prefix = "acestream");

/// Whether a container with these labels is a generic container (else an engine).
bool is_generic(const std::map<std::string, std::string>& labels);
/// Whether a container's labels say it is an engine (`acepool.kind=engine`).
bool is_engine(const std::map<std::string, std::string>& labels);

}  // namespace acepool::docker
