// What the Docker daemon sends back: container lists, inspect answers, event lines, error
// answers; and the container references acepool puts into Docker API paths.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "docker/docker_json.hpp"

using namespace acepool::docker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_discarded()) {
    (void)parse_container_list(j);
    if (j.is_object()) (void)parse_container_details(j);
  }
  // The /events stream: one JSON object per line.
  size_t start = 0;
  while (start <= in.size()) {
    auto nl = in.find('\n', start);
    auto line = in.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    (void)parse_event(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  auto e = classify_http_error(size > 0 ? 200 + data[0] : 500, in);
  if (e.message.empty()) std::abort();
  if (is_container_reference(in) && (in.find('/', 1) != std::string::npos || in.find("..") == 0))
    std::abort();  // a reference never carries a path
  (void)split_image_ref(in);
  return 0;
}
