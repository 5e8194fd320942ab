#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/relay/fanout_buffer.hpp"

namespace acepool::relay {

/// How one write to a client ended.
enum class write_outcome {
  ok,
  closed,     ///< the client went away (or the connection failed)
  timed_out,  ///< the write did not finish within CLIENT_WRITE_TIMEOUT_S: a stuck client
};

/// A client connection on its way to another process (acepool --takeover).
struct handover_socket {
  int fd = -1;          ///< a duplicate of the connected socket (the receiver owns it)
  bool chunked = true;  ///< the body is chunked (false: HTTP/1.0, the close ends it)
  std::string unsent;   ///< what the write in flight has not sent yet, framed as it was
};

/// One relay client connection as the data path sees it; http/socket_stream implements it on the
/// client's socket.
/// Methods may be called from any thread; the hub keeps at most one write in flight.
class client_sink {
 public:
  virtual ~client_sink() = default;

  /// Writes `data` (the first write sends the 200 response head first); `done` runs exactly once,
  /// on any thread, possibly before write() returns.
  virtual void write(std::vector<buffer_slice> data, std::function<void(write_outcome)> done) = 0;

  /// Before the first write only: answers with an error instead (JSON body).
  virtual void fail(int status, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers) = 0;

  /// Ends the response once the write in flight (if any) completed. Idempotent.
  virtual void finish() = 0;

  /// Whether the connection is known to be gone (also when no write was pending).
  virtual bool closed() const = 0;

  /// Stops sending and reading for a takeover: `done(true)` (any thread) once nothing is in
  /// progress on the socket, false when this client cannot move (its answer has not started,
  /// or it is gone). Writes asked meanwhile are held, not sent.
  virtual void suspend(std::function<void(bool)> done) {
    auto answer = std::move(done);
    answer(false);
  }
  /// The suspended connection as it moves now (a duplicate descriptor); nothing when it cannot.
  virtual std::optional<handover_socket> handover() { return std::nullopt; }
  /// Sends and reads again: the takeover did not happen.
  virtual void resume() {}
};

}  // namespace acepool::relay
