#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/connection.hpp"
#include "http/stream_body.hpp"

namespace acepool::metrics {
class registry;
}

namespace acepool::http {

class router;

/// One listening socket and the routes it serves.
struct listener_options {
  std::string name;  ///< for logs, e.g. `api` or `relay`
  std::string bind;
  uint16_t port = 0;  ///< 0 = any free port
  std::shared_ptr<const router> routes;
};

/// Server-wide transport settings (docs/api.md "Connections").
struct server_options {
  std::vector<listener_options> listeners;
  /// Deadlines and limits of every connection (write_timeout = CLIENT_WRITE_TIMEOUT_S).
  connection_settings connections;
  /// MAX_CONNECTIONS: open client connections across every listener, relay streams included.
  size_t max_connections = 4096;
  /// What all request bodies being received may take together.
  uint64_t body_budget_bytes = 64 << 20;
  size_t io_threads = 2;
  metrics::registry* metrics = nullptr;
};

/// The HTTP/1.1 transport: listeners and connections on one io_context run by `io_threads`
/// threads, answering through the routers (docs/architecture.md "HTTP transport").
class http_server {
 public:
  explicit http_server(server_options options);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Opens every listener and starts the io threads; an error line when one cannot open.
  /// `adopted` (takeover): listening sockets by listener name, used instead of binding.
  /// `accept` false: the listeners wait for start_accepting() (a takeover accepts only once
  /// the streams it took over run here, so a viewer never starts a second session of one).
  std::optional<std::string> start(std::map<std::string, int> adopted = {}, bool accept = true);
  void start_accepting();

  /// Takeover: stops accepting on every listener (until resume_accepting) and returns a
  /// duplicate of each listening socket by listener name.
  std::map<std::string, int> pause_accepting();
  void resume_accepting();
  /// Takeover: a relay client's answer continued on its socket (handed over by another process).
  std::shared_ptr<stream_body> adopt_stream(const relay::handover_socket& from);

  /// The bound port of listener `index` (useful with port 0).
  uint16_t port(size_t index = 0) const;

  /// Closes the listening sockets; requests in flight continue.
  void stop_accepting();

  /// Stops the io threads and drops every connection. Idempotent.
  void stop();

  /// Open client connections (for tests and metrics).
  size_t open_connections() const;
  /// Open connections idle between requests, the ones MAX_CONNECTIONS may evict (for tests).
  size_t idle_connections() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace acepool::http
