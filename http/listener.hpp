#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include "http/connection.hpp"

namespace acepool::metrics {
class registry;
}

namespace acepool::http {

class router;

/// One listening socket: accepts connections and hands each to a `connection` with the
/// listener's routes. An accept that fails (EMFILE when out of descriptors, ENOBUFS, ...) is
/// logged and counted, and accepting resumes after a backoff (10 ms doubling to 1 s, reset by
/// the next success), so the listener never stops for good. Connections beyond MAX_CONNECTIONS
/// are admitted by the connection table's rules (evict idle, answer 503, or drop).
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(asio::io_context& io, std::string name, std::shared_ptr<const router> routes,
           std::shared_ptr<transport_shared> shared, metrics::registry* metrics);

  /// Binds and listens on `address:port` (port 0 = any); an error line when that fails.
  std::optional<std::string> open(const std::string& address, uint16_t port);
  /// Listens on `fd`, a listening socket another acepool process handed over (owned from now).
  std::optional<std::string> adopt(int fd);
  /// Starts accepting.
  void start();
  /// Takeover: stops accepting (connections wait in the backlog) until resume(); returns once no
  /// accept is pending. Not from an io thread.
  void pause();
  void resume();
  /// Takeover: a duplicate of the listening socket (-1 when closed).
  int duplicate() const;
  /// Stops accepting and closes the listening socket; connections continue. Thread-safe.
  void close();
  /// The bound port.
  uint16_t port() const { return port_; }

 private:
  void accept_next();
  void on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket);
  void on_accept_error(const asio::error_code& ec);

  asio::strand<asio::io_context::executor_type> strand_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer backoff_timer_;
  std::string name_;
  std::shared_ptr<const router> routes_;
  std::shared_ptr<transport_shared> shared_;
  metrics::registry* metrics_;
  uint16_t port_ = 0;
  bool closed_ = false;
  bool paused_ = false;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point last_error_log_{};
  uint64_t errors_since_log_ = 0;
};

}  // namespace acepool::http
