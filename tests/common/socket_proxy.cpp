#include "tests/common/socket_proxy.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace acepool::testing {

namespace {

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Copies what is readable from `from` to `to`; false when either side is done.
bool pump(int from, int to) {
  char buf[65536];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) return false;
  ssize_t off = 0;
  while (off < n) {
    ssize_t w = write(to, buf + off, static_cast<size_t>(n - off));
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

}  // namespace

socket_proxy::socket_proxy(std::string socket_path, std::string upstream)
    : path_(std::move(socket_path)), upstream_(std::move(upstream)) {
  if (pipe(wake_) != 0) throw std::runtime_error("pipe");
  open_listener();
  thread_ = std::thread([this] { run(); });
}

socket_proxy::~socket_proxy() {
  stopping_ = true;
  char c = 'x';
  (void)!write(wake_[1], &c, 1);
  if (thread_.joinable()) thread_.join();
  close_all();
  close(wake_[0]);
  close(wake_[1]);
}

void socket_proxy::open_listener() {
  unlink(path_.c_str());
  listener_ = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
  bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  listen(listener_, 64);
}

void socket_proxy::close_all() {
  for (auto& [c, u] : pairs_) {
    close(c);
    close(u);
  }
  pairs_.clear();
  if (listener_ >= 0) {
    close(listener_);
    listener_ = -1;
    unlink(path_.c_str());
  }
}

void socket_proxy::cut() {
  cut_requested_ = true;
  char c = 'c';
  (void)!write(wake_[1], &c, 1);
  while (cut_requested_)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void socket_proxy::restore() {
  restore_requested_ = true;
  char c = 'r';
  (void)!write(wake_[1], &c, 1);
  while (restore_requested_)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void socket_proxy::run() {
  while (!stopping_) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    if (listener_ >= 0) fds.push_back({listener_, POLLIN, 0});
    size_t first_pair = fds.size();
    for (auto& [c, u] : pairs_) {
      fds.push_back({c, POLLIN, 0});
      fds.push_back({u, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[0].revents & POLLIN) {
      char buf[16];
      (void)!read(wake_[0], buf, sizeof buf);
      if (cut_requested_) {
        close_all();
        cut_requested_ = false;
      }
      if (restore_requested_) {
        if (listener_ < 0) open_listener();
        restore_requested_ = false;
      }
      continue;  // the fd set changed
    }
    if (listener_ >= 0 && (fds[1].revents & POLLIN)) {
      int c = accept(listener_, nullptr, nullptr);
      if (c >= 0) {
        int u = connect_unix(upstream_);
        if (u < 0) {
          close(c);
        } else {
          pairs_.emplace_back(c, u);
          ++accepted_;
        }
      }
    }
    std::vector<size_t> dead;
    for (size_t i = 0; i < pairs_.size(); ++i) {
      auto& pc = fds[first_pair + 2 * i];
      auto& pu = fds[first_pair + 2 * i + 1];
      bool ok = true;
      if (pc.revents & (POLLIN | POLLHUP | POLLERR)) ok = pump(pairs_[i].first, pairs_[i].second);
      if (ok && (pu.revents & (POLLIN | POLLHUP | POLLERR)))
        ok = pump(pairs_[i].second, pairs_[i].first);
      if (!ok) dead.push_back(i);
    }
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
      close(pairs_[*it].first);
      close(pairs_[*it].second);
      pairs_.erase(pairs_.begin() + static_cast<long>(*it));
    }
  }
}

}  // namespace acepool::testing
