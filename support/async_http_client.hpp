#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  /// The same with request headers ("Name: value" lines).
  bool get(std::string url, std::chrono::milliseconds timeout, std::vector<std::string> headers,
           callback done);

  /// A streaming GET's callbacks (all on the client's thread; keep them short).
  struct stream_callbacks {
    /// Once, when the head of a 2xx answer is read: whether the body is chunked.
    std::function<void(bool chunked)> on_head;
    /// The body of a 2xx answer as it arrives, raw: chunked framing is left in (the caller
    /// decodes it, so it knows where it stands for a handover).
    std::function<void(const char*, size_t)> on_data;
    std::function<void(http_result)> on_end;  ///< once: status, or the error (body empty)
  };
  /// Starts a streaming GET with no overall timeout (the caller watches for stalls); an answer
  /// ≥ 400 ends it with that status. Returns an id for cancel(), 0 when the queue is full or
  /// stopped (no callback runs then).
  uint64_t stream(std::string url, std::chrono::milliseconds connect_timeout,
                  stream_callbacks callbacks);

  /// Ends a streaming GET; its on_end runs with the error "cancelled" (unless it ended already).
  void cancel(uint64_t id);

  /// Stops reading streaming GET `id` (bytes wait in the socket) and hands `done` a duplicate of
  /// its connected socket (-1 when there is none: it ended, or never connected). The transfer
  /// leaves libcurl then: thaw() reads on from the socket itself, like an adopted one.
  void freeze(uint64_t id, std::function<void(int fd)> done);
  /// Reads a frozen streaming GET again.
  void thaw(uint64_t id);
  /// Continues a streaming GET whose head another process read: `fd` (owned from now on) is
  /// its connected socket; the bytes read are the raw body, like stream()'s. Returns an id for
  /// cancel()/freeze(), 0 when stopped (fd closed, no callback).
  uint64_t adopt(int fd, stream_callbacks callbacks);

  /// Aborts every transfer (their callbacks run with an error) and joins the thread.
  void stop();

  /// Requests queued or in flight.
  size_t pending() const { return pending_.load(); }

 private:
  struct job {
    std::string url;
    std::chrono::milliseconds timeout;
    callback done;
    uint64_t stream_id = 0;  ///< non-zero for a streaming GET
    stream_callbacks stream;
    std::vector<std::string> headers;
  };
  void run();
  /// Runs `task` on the client's thread (freeze, thaw, adopt).
  void post(std::function<void()> task);
  struct loop;
  loop* loop_ = nullptr;  // the thread's own state; only that thread touches it

  size_t max_pending_;
  size_t max_connections_;
  std::mutex mutex_;
  std::deque<job> incoming_;
  std::vector<uint64_t> cancels_;
  std::vector<std::function<void()>> tasks_;
  std::atomic<uint64_t> next_stream_id_{1};
  std::atomic<size_t> pending_{0};
  std::atomic<bool> stopping_{false};
  void* multi_ = nullptr;  // CURLM*
  std::thread thread_;
};

}  // namespace acepool::support
