// Gluetun's control-server answers and the ports its container publishes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/vpn/vpn_state.hpp"
#include "docker/docker_json.hpp"

using namespace acepool;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  (void)actors::read_vpn_status(200, body);
  if (auto p = actors::read_forwarded_port(200, body); p && *p && **p == 0) std::abort();
  (void)actors::read_public_ip(200, body);
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object()) {
    auto details = docker::parse_container_details(j);
    for (const auto& [container, host] : actors::read_published_tcp_ports(details.ports))
      if (container == 0) std::abort();
  }
  return 0;
}
