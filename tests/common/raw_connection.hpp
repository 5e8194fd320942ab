#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace acepool::testing {

/// One HTTP response as read off the wire.
struct wire_response {
  int status = 0;
  std::string version;  ///< `HTTP/1.1`
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::optional<std::string> header(const std::string& name) const;
};

/// Splits `bytes` into complete responses (Content-Length bodies; 1xx, 204 and 304 without);
/// `rest` gets what follows the last complete one.
std::vector<wire_response> split_responses(const std::string& bytes, std::string* rest = nullptr,
                                           bool head_request = false);

/// A plain TCP connection to 127.0.0.1:port for sending exactly the bytes a test wants
/// (pipelined, malformed, slow) and reading exactly what came back.
class raw_connection {
 public:
  explicit raw_connection(uint16_t port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  bool connected() const { return fd_ >= 0; }
  /// Sends everything; false when the peer is gone.
  bool send(const std::string& bytes);
  /// Closes the sending side (the server sees end of input).
  void shutdown_send();
  /// Reads until the peer closes or `timeout` passes; everything read.
  std::string read_until_close(std::chrono::milliseconds timeout);
  /// Reads until `n` complete responses arrived, the peer closed, or `timeout` passed.
  std::vector<wire_response> read_responses(size_t n, std::chrono::milliseconds timeout);
  /// Whether the peer closed the connection (a read saw end of input or a reset).
  bool peer_closed() const { return closed_; }
  /// Waits up to `timeout` for the peer to close; true when it did.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  /// One read of up to 64 KiB within `timeout`; false on timeout.
  bool read_some(std::chrono::milliseconds timeout);

  int fd_ = -1;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace acepool::testing
