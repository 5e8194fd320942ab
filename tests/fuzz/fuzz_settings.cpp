// Settings from outside: env-file text, every variable through the schema (types, ranges,
// cross-field rules, the ACEXY_ aliases) and each value parser on its own.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/env_source.hpp"
#include "config/settings_loader.hpp"
#include "config/value_parsers.hpp"

using namespace acepool::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto file = parse_env_text(in, "fuzz.env");
  if (!file.error) {
    auto loaded = load_settings({}, file.values);
    if (!loaded.loaded && loaded.error.empty()) std::abort();  // a refusal says why
  }
  (void)parse_bool(in);
  (void)parse_integer(in, -1000, 1000);
  (void)parse_seconds(in, 0.1, 3600);
  (void)parse_go_duration(in);
  if (auto r = parse_port_range(in); r && (r->low == 0 || r->low > r->high)) std::abort();
  (void)parse_list(in);
  (void)parse_label(in);
  (void)parse_env_pairs(in);
  (void)parse_ip_address(in);
  (void)parse_host(in);
  if (auto hp = parse_host_port(in); hp && hp->port == 0) std::abort();
  (void)parse_host_port_list(in);
  (void)parse_docker_host(in);
  (void)parse_api_version(in);
  (void)parse_byte_size(in);
  (void)parse_image_ref(in);
  (void)parse_sqlite_url(in);
  (void)parse_cors_origins(in);
  return 0;
}
