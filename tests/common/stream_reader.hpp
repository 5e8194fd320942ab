#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/common/ts_checker.hpp"

namespace acepool::testing {

/// Reads an HTTP stream on its own thread with libcurl (a real client over a real socket),
/// feeding every body byte to a ts_checker. Stoppable at any time.
class stream_reader {
 public:
  struct options {
    std::vector<std::string> headers;
    int rcvbuf = 0;               ///< SO_RCVBUF of the client socket (0 = default)
    int64_t max_bytes_per_s = 0;  ///< throttle (0 = as fast as possible)
    std::chrono::milliseconds timeout{std::chrono::seconds(120)};
    size_t keep_bytes = 0;  ///< keep the first N body bytes for inspection
  };

  explicit stream_reader(std::string url);
  stream_reader(std::string url, options o);
  ~stream_reader();
  stream_reader(const stream_reader&) = delete;
  stream_reader& operator=(const stream_reader&) = delete;

  /// Aborts the transfer and joins the thread.
  void stop();
  /// Body bytes received so far.
  uint64_t bytes() const { return bytes_.load(); }
  /// Whether the transfer has ended (by itself or by stop()).
  bool finished() const { return finished_.load(); }
  /// HTTP status from the status line (0 before it arrived).
  long status() const { return status_.load(); }
  /// libcurl's result code once finished (0 = the server ended the body cleanly).
  int curl_code() const { return curl_code_.load(); }
  std::string error() const;
  /// Seconds from start to the first body byte.
  std::optional<double> first_byte_s() const;
  ts_report report() const;
  std::string kept() const;
  std::string content_type() const;
  /// Waits until `n` body bytes arrived or the transfer ended; true when they arrived.
  bool wait_for_bytes(uint64_t n, std::chrono::milliseconds timeout) const;
  /// Waits for the transfer to end.
  bool wait_finished(std::chrono::milliseconds timeout) const;

 private:
  static size_t on_body(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);
  void run();

  std::string url_;
  options options_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<long> status_{0};
  std::atomic<int> curl_code_{-1};
  mutable std::mutex mutex_;
  ts_checker checker_;
  std::string kept_;
  std::string error_;
  std::string content_type_;
  std::optional<double> first_byte_s_;
  std::chrono::steady_clock::time_point started_;
  std::thread thread_;
};

/// A free TCP port on 127.0.0.1 at the time of the call.
uint16_t free_port();

}  // namespace acepool::testing
