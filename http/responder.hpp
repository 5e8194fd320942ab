#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/http_message.hpp"
#include "http/stream_body.hpp"

namespace acepool::metrics {
class registry;
}

namespace acepool::http {

/// The transport side of one request (implemented by http/connection, or by tests).
class response_sink {
 public:
  virtual ~response_sink() = default;
  /// Writes the response; called at most once, from any thread.
  virtual void send(response r) = 0;
  /// A streaming body instead of send() (null when the transport cannot stream).
  virtual std::shared_ptr<stream_body> open_stream() { return nullptr; }
};

/// Everything the router knows about one request in flight.
struct exchange {
  std::shared_ptr<response_sink> sink;
  std::string request_id;
  std::string route_label;  ///< the route pattern, or `unmatched`
  method verb = method::get;
  header_list common_headers;                  ///< request id, CORS
  std::function<header_list()> extra_headers;  ///< the published-snapshot hook
  metrics::registry* metrics = nullptr;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> done{false};

  /// Sends `r` unless a response was already sent; adds the common headers, records metrics.
  void complete(response r);
  /// Claims the exchange for a streaming 200 (records it like complete()); the headers the
  /// stream's head must carry, or nothing when a response was already sent.
  std::optional<header_list> begin_stream();
  /// The common headers plus those of the published-snapshot hook.
  header_list response_headers() const;
  /// A request dropped without an answer gets 500 (never a hanging connection).
  ~exchange();
};

/// Completes one request exactly once, from any thread. Copies share the request; the last
/// copy dropped without a response sends `500 {"detail":"internal error"}`.
class responder {
 public:
  responder() = default;
  explicit responder(std::shared_ptr<exchange> ex) : ex_(std::move(ex)) {}

  /// Sends the response (later calls are ignored).
  void send(response r) const;
  /// Whether a response was sent.
  bool sent() const;
  /// The request id echoed in X-Request-Id.
  const std::string& request_id() const;
  /// The request in flight (for a streaming answer).
  const std::shared_ptr<exchange>& shared_exchange() const { return ex_; }

 private:
  std::shared_ptr<exchange> ex_;
};

/// `500 {"detail":"internal error","request_id":...}` (the id is also logged by the caller).
response internal_error(const std::string& request_id);

}  // namespace acepool::http
