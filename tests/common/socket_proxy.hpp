#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace acepool::testing {

/// A unix-socket proxy in front of the Docker daemon that a test owns: point DOCKER_HOST at
/// `unix://<path()>`, then cut() to make Docker "unreachable" (every connection dropped, new
/// ones refused) and restore() to bring it back — without touching the shared daemon.
class socket_proxy {
 public:
  explicit socket_proxy(std::string socket_path, std::string upstream = "/var/run/docker.sock");
  ~socket_proxy();
  socket_proxy(const socket_proxy&) = delete;
  socket_proxy& operator=(const socket_proxy&) = delete;

  const std::string& path() const { return path_; }
  /// Drops every connection and refuses new ones.
  void cut();
  /// Accepts connections again.
  void restore();
  /// Connections accepted so far.
  int accepted() const { return accepted_.load(); }

 private:
  void run();
  void open_listener();
  void close_all();

  std::string path_;
  std::string upstream_;
  int wake_[2] = {-1, -1};
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cut_requested_{false};
  std::atomic<bool> restore_requested_{false};
  std::atomic<int> accepted_{0};
  std::vector<std::pair<int, int>> pairs_;  // client fd, upstream fd
  std::thread thread_;
};

}  // namespace acepool::testing
