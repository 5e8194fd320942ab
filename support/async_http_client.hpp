#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace acepool::support {

/// The outcome of one GET.
struct http_result {
  int status = 0;     ///< 0 when no HTTP answer came (see `error`)
  std::string body;   ///< at most 1 MiB
  std::string error;  ///< libcurl's message when status is 0
};

/// Engine HTTP traffic (probes, JSON starts, stat polling): many concurrent requests to peers
/// that may hang, on ONE curl-multi event loop thread, so one hung engine never delays another
/// and no actor or io thread ever blocks. Callbacks run on that thread and must be short (send a
/// message). The queue of waiting requests is bounded.
class async_http_client {
 public:
  using callback = std::function<void(http_result)>;

  explicit async_http_client(size_t max_pending = 10000, size_t max_connections = 512);
  ~async_http_client();
  async_http_client(const async_http_client&) = delete;
  async_http_client& operator=(const async_http_client&) = delete;

  /// Queues a GET with a whole-request timeout; false when the queue is full or stopped
  /// (`done` is then not called).
  bool get(std::string url, std::chrono::milliseconds timeout, callback done);

  /// Aborts every transfer (their callbacks run with an error) and joins the thread.
  void stop();

  /// Requests queued or in flight.
  size_t pending() const { return pending_.load(); }

 private:
  struct job {
    std::string url;
    std::chrono::milliseconds timeout;
    callback done;
  };
  void run();

  size_t max_pending_;
  size_t max_connections_;
  std::mutex mutex_;
  std::deque<job> incoming_;
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stopping_{false};
  void* multi_ = nullptr;  // CURLM*
  std::thread thread_;
};

}  // namespace acepool::support
