#pragma once

#include <functional>
#include <vector>

#include "actors/relay/client_sink.hpp"
#include "http/http_message.hpp"

namespace acepool::http {

/// A long-lived chunked response body (the relay's MPEG-TS), written piece by piece. Nothing is
/// sent until the first write, so the request can still be answered with an error status until
/// then. Thread-safe; at most one write may be in flight.
class stream_body {
 public:
  virtual ~stream_body() = default;

  /// Writes `data`; the first write sends the head (200, `head` headers) before it. `done` runs
  /// exactly once, on any thread, possibly before write() returns.
  virtual void write(std::vector<relay::buffer_slice> data, const header_list& head,
                     std::function<void(relay::write_outcome)> done) = 0;

  /// Ends the body (after the write in flight). Idempotent.
  virtual void finish() = 0;

  /// Whether the connection is known to be gone.
  virtual bool closed() const = 0;

  /// Calls `fn` once, on any thread, when the client is found gone while no write is in flight
  /// (a write in flight learns it from its completion): a body that waits for something to
  /// write releases its connection at once. Replaces an earlier `fn`.
  virtual void on_hangup(std::function<void()> fn) = 0;

  /// Takeover: see relay::client_sink::suspend, handover and resume.
  virtual void suspend(std::function<void(bool)> done) {
    auto answer = std::move(done);
    answer(false);
  }
  virtual std::optional<relay::handover_socket> handover() { return std::nullopt; }
  virtual void resume() {}
};

}  // namespace acepool::http
