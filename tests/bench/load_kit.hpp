#pragma once
// What acepool's load clients (acepool-load, acepool-hls-load) share: reading their arguments
// and URL, and summing up latencies.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace acepool::bench {

/// Where an `http://HOST:PORT/path` URL points.
struct http_target {
  std::string host;
  uint16_t port = 0;
  std::string path = "/";
};

/// Parses `http://HOST:PORT[/path]`; false for anything else.
inline bool parse_http_url(const std::string& url, http_target& out) {
  const std::string prefix = "http://";
  if (url.compare(0, prefix.size(), prefix) != 0) return false;
  auto rest = url.substr(prefix.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  out.host = hostport.substr(0, colon);
  long port = std::strtol(hostport.c_str() + colon + 1, nullptr, 10);
  if (port <= 0 || port > 65535) return false;
  out.port = static_cast<uint16_t>(port);
  return true;
}

/// The value of `--name=value` when `arg` is that flag, else "".
inline std::string flag_value(const std::string& arg, const char* name) {
  std::string prefix = std::string(name) + "=";
  return arg.compare(0, prefix.size(), prefix) == 0 ? arg.substr(prefix.size()) : std::string();
}

/// The `p` quantile (0-1) of `v`, nearest rank; 0 when empty.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto idx =
      std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[idx];
}

}  // namespace acepool::bench
