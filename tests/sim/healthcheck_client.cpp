#include "tests/sim/healthcheck_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

namespace acepool::sim {

int run_healthcheck(const std::string& url) {
  const std::string prefix = "http://";
  if (url.compare(0, prefix.size(), prefix) != 0) return 1;
  auto rest = url.substr(prefix.size());
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  auto path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  std::string host = hostport.substr(0, colon);
  int port = colon == std::string::npos ? 80 : std::atoi(hostport.c_str() + colon + 1);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    return 1;  // numeric only (static glibc)
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return 1;
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + hostport + "\r\nConnection: close\r\n";
  if (const char* key = std::getenv("SIM_API_KEY"); key && *key)
    req += std::string("X-API-Key: ") + key + "\r\n";
  req += "\r\n";
  if (send(fd, req.data(), req.size(), 0) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return 1;
  }
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
    resp.append(buf, static_cast<size_t>(n));
    auto head_end = resp.find("\r\n\r\n");
    if (head_end != std::string::npos) {
      auto cl = resp.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) {
        size_t len = std::strtoul(resp.c_str() + cl + 16, nullptr, 10);
        if (resp.size() >= head_end + 4 + len) break;
      }
    }
  }
  close(fd);
  auto head_end = resp.find("\r\n\r\n");
  if (resp.compare(0, 12, "HTTP/1.1 200") != 0 || head_end == std::string::npos) return 1;
  auto body = nlohmann::json::parse(resp.substr(head_end + 4), nullptr, false);
  return body.is_object() && body.value("status", "") == "running" ? 0 : 1;
}

}  // namespace acepool::sim
