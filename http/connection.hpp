#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include "http/connection_limits.hpp"
#include "http/request_parser.hpp"
#include "http/responder.hpp"

namespace acepool::metrics {
class counter_metric;
}

namespace acepool::http {

class router;

/// Timeouts and limits every connection of the server shares (docs/api.md "Connections").
struct connection_settings {
  request_limits request;
  /// From a request's first byte to the end of its head (slow headers: 408, then close).
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  /// From the end of a request's head to the end of its body (408, then close).
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  /// Between requests on a kept-alive connection (closed silently).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  /// One write may be pending this long before the connection is dropped (CLIENT_WRITE_TIMEOUT_S).
  std::chrono::milliseconds write_timeout{std::chrono::seconds(5)};
  /// Requests read ahead of their answers; reading pauses beyond this.
  size_t max_pipelined = 16;
};

/// Counters of what the transport refused or cut (null members are not counted).
struct transport_counters {
  metrics::counter_metric* malformed = nullptr;        ///< 400
  metrics::counter_metric* too_large = nullptr;        ///< 413, 414, 431
  metrics::counter_metric* header_timeouts = nullptr;  ///< 408 before the head was read
  metrics::counter_metric* body_timeouts = nullptr;    ///< 408 while the body was read
  metrics::counter_metric* write_timeouts = nullptr;   ///< a write pending too long
  metrics::counter_metric* over_budget = nullptr;      ///< 503: body memory budget exhausted
};

/// What every connection of one server shares.
struct transport_shared {
  asio::io_context* io = nullptr;  ///< where connections run (strands of its executor)
  connection_settings settings;
  body_budget bodies;
  transport_counters counters;
  std::shared_ptr<connection_table> table;

  transport_shared(connection_settings s, uint64_t body_budget_bytes,
                   std::shared_ptr<connection_table> t)
      : settings(s), bodies(body_budget_bytes), table(std::move(t)) {}
};

/// One HTTP/1.x client connection: reads requests one at a time (pipelined ones too), refuses
/// what it must before reading a body, hands each request to the router, and writes the answers
/// in request order. Every phase has a deadline; memory per connection is bounded (a 16 KiB read
/// buffer that exists only while bytes are being read, the head limits, the route's body limit,
/// max_pipelined answers). A GET of a stream
/// route hands the socket to a socket_stream once every earlier answer is written.
///
/// All state is touched on the connection's strand; answers may arrive from any thread.
class connection : public std::enable_shared_from_this<connection> {
 public:
  /// `slot` is its place in the connection table; `refuse`: over the connection cap, the first
  /// request is answered 503, then it closes.
  connection(asio::ip::tcp::socket socket, std::shared_ptr<const router> routes,
             std::shared_ptr<transport_shared> shared, std::shared_ptr<void> slot, bool refuse);
  ~connection();

  /// Starts reading. Call once, after construction.
  void start();

  /// Closes the connection if it is still idle (the connection cap needs the room).
  void evict();
  /// Since when it is idle between requests (0 = busy), for the connection table.
  const connection_table::idle_clock& idle_clock() const { return idle_; }

  /// Queues the answer to request `seq` (from any thread).
  void post_response(uint64_t seq, response r);

 private:
  enum class phase { idle, head, body, waiting, lingering, closed };
  struct slot {
    uint64_t seq = 0;
    std::string bytes;
    std::string_view tail;  ///< sent after `bytes`: a shared body (response::shared_body)
    std::shared_ptr<const void> tail_owner;
    bool ready = false;
    bool close_after = false;
    bool head_only = false;
    int http_minor = 1;
    std::shared_ptr<request> stream_request;  ///< a stream GET, dispatched when it is first
  };

  void read_more();
  void start_read();
  void on_readable(const asio::error_code& ec);
  void on_read(const asio::error_code& ec, size_t n);
  void parse_buffered();
  void on_head();
  void on_complete();
  void on_parse_failure();
  /// Answers the request being read (or the connection) with an error, then closes.
  void answer_and_close(int status, const std::string& detail, metrics::counter_metric* counter);
  void deliver(uint64_t seq, const response& r);
  void write_pending();
  void on_written(const asio::error_code& ec, size_t slots_written);
  void maybe_hand_over_stream();
  void update_phase();
  void set_idle(bool idle);
  void arm_read_timer(std::chrono::milliseconds after);
  void on_read_timer(uint64_t generation);
  void linger_close();
  void abort();
  void release_body_reservation();
  slot& add_slot(const request& r, bool close_after);

  asio::strand<asio::io_context::executor_type> strand_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer read_timer_, write_timer_;
  std::shared_ptr<const router> routes_;
  std::shared_ptr<transport_shared> shared_;
  std::shared_ptr<void> slot_;
  const bool refuse_;
  const uint64_t id_;
  std::string peer_address_;
  bool peer_loopback_ = false;

  std::unique_ptr<char[]> in_;
  size_t in_begin_ = 0, in_end_ = 0;
  request_parser parser_;
  uint64_t body_reserved_ = 0;

  std::deque<slot> slots_;
  uint64_t next_seq_ = 1;
  phase phase_ = phase::waiting;  // update_phase() arms the first deadline
  uint64_t timer_generation_ = 0, write_generation_ = 0;
  uint64_t requests_seen_ = 0;
  size_t lingered_bytes_ = 0;
  bool reading_ = false, writing_ = false;
  bool no_more_requests_ = false;  ///< Connection: close, a stream, or a failure was read
  bool peer_done_ = false;         ///< the client closed its sending side
  connection_table::idle_clock idle_ = std::make_shared<std::atomic<int64_t>>(0);
};

}  // namespace acepool::http
