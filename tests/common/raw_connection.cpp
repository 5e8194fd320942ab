#include "tests/common/raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace acepool::testing {

namespace {

bool iequal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

std::optional<std::string> wire_response::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) return v;
  return std::nullopt;
}

std::vector<wire_response> split_responses(const std::string& bytes, std::string* rest,
                                           bool head_request) {
  std::vector<wire_response> out;
  size_t pos = 0;
  while (true) {
    auto end = bytes.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    wire_response r;
    auto line_end = bytes.find("\r\n", pos);
    auto status_line = bytes.substr(pos, line_end - pos);
    r.version = status_line.substr(0, status_line.find(' '));
    r.status = std::atoi(status_line.c_str() + std::min(status_line.size(), r.version.size() + 1));
    size_t h = line_end + 2;
    while (h < end) {
      auto e = bytes.find("\r\n", h);
      auto line = bytes.substr(h, e - h);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        r.headers.emplace_back(line.substr(0, colon), value);
      }
      h = e + 2;
    }
    size_t length = 0;
    bool no_body = head_request || r.status < 200 || r.status == 204 || r.status == 304;
    if (auto cl = r.header("Content-Length"); cl && !no_body) length = std::stoul(*cl);
    if (bytes.size() < end + 4 + length) break;
    r.body = bytes.substr(end + 4, length);
    pos = end + 4 + length;
    out.push_back(std::move(r));
  }
  if (rest != nullptr) *rest = bytes.substr(pos);
  return out;
}

raw_connection::raw_connection(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

raw_connection::~raw_connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool raw_connection::send(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void raw_connection::shutdown_send() {
  ::shutdown(fd_, SHUT_WR);
}

bool raw_connection::read_some(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return false;
  char buf[65536];
  auto n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    closed_ = true;
    return true;
  }
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

std::string raw_connection::read_until_close(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_some(left)) break;
  }
  return std::move(buffer_);
}

std::vector<wire_response> raw_connection::read_responses(size_t n,
                                                          std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<wire_response> out;
  while (true) {
    std::string rest;
    auto got = split_responses(buffer_, &rest);
    if (got.size() >= n || closed_) {
      buffer_ = rest;
      return got;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_some(left)) {
      buffer_ = rest;
      return got;
    }
  }
}

bool raw_connection::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !read_some(left)) break;
  }
  return closed_;
}

}  // namespace acepool::testing
