#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace acepool::http {

class router;

/// One listening socket and the routes it serves.
struct listener_options {
  std::string name;  ///< for logs, e.g. `api` or `relay`
  std::string bind;
  uint16_t port = 0;  ///< 0 = any free port
  std::shared_ptr<const router> routes;
};

/// Server-wide transport settings (api.md "Timeouts").
struct server_options {
  std::vector<listener_options> listeners;
  /// Bodies above this close the connection (RESTinio cannot answer there): 8 × MAX_BODY_BYTES.
  uint64_t hard_body_limit = 8 << 20;
  /// RESTinio's handle_request_timeout: above every deadline acepool enforces itself.
  std::chrono::milliseconds handle_request_timeout{std::chrono::seconds(180)};
  /// RESTinio's write_http_response_timelimit and the relay streams' write deadline:
  /// CLIENT_WRITE_TIMEOUT_S.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(5)};
  size_t io_threads = 2;
};

/// The HTTP transport: RESTinio listeners on one io_context run by `io_threads` threads.
/// RESTinio is confined to this class's implementation file.
class http_server {
 public:
  explicit http_server(server_options options);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Opens every listener and starts the io threads; an error line when one cannot open.
  std::optional<std::string> start();

  /// The bound port of listener `index` (useful with port 0).
  uint16_t port(size_t index = 0) const;

  /// Closes the listening sockets; requests in flight continue.
  void stop_accepting();

  /// Stops the io threads and drops every connection. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace acepool::http
