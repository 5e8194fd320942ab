#include "http/connection.hpp"

#include <cstring>

#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "http/connection_internal.hpp"
#include "http/response_wire.hpp"
#include "http/router.hpp"
#include "http/socket_stream.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::http {

using namespace connection_detail;

namespace {

constexpr size_t read_buffer_bytes = 16 << 10;
constexpr size_t max_slots_per_write = 16;
constexpr char continue_interim[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::atomic<uint64_t> next_connection_id{1};

bool is_loopback(const asio::ip::address& a) {
  if (a.is_loopback()) return true;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  return false;
}

/// Hands a router's answer back to the connection, in request order (from any thread). It keeps
/// the connection alive until the answer came: a request in flight is answered (every request
/// gets exactly one answer, bounded by its deadline) even when nothing else waits on the socket.
class queued_sink final : public response_sink {
 public:
  queued_sink(std::shared_ptr<connection> conn, uint64_t seq) : conn_(std::move(conn)), seq_(seq) {}
  void send(response r) override {
    if (conn_) conn_->post_response(seq_, std::move(r));
    conn_.reset();
  }

 private:
  std::shared_ptr<connection> conn_;
  uint64_t seq_;
};

}  // namespace

connection::connection(asio::ip::tcp::socket socket, std::shared_ptr<const router> routes,
                       std::shared_ptr<transport_shared> shared, std::shared_ptr<void> slot,
                       bool refuse)
    : strand_(asio::make_strand(shared->io->get_executor())),
      socket_(std::move(socket)),
      read_timer_(strand_),
      write_timer_(strand_),
      routes_(std::move(routes)),
      shared_(std::move(shared)),
      slot_(std::move(slot)),
      refuse_(refuse),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)),
      parser_(shared_->settings.request) {}

connection::~connection() {
  release_body_reservation();
}

void connection::start() {
  asio::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) {
    peer_address_ = peer.address().to_string();
    peer_loopback_ = is_loopback(peer.address());
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  parser_.set_origin(id_, peer_address_, peer_loopback_);
  socket_.non_blocking(true, ec);
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->update_phase();
    self->read_more();
  });
}

void connection::evict() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->phase_ == phase::idle) self->abort();
  });
}

void connection::post_response(uint64_t seq, response r) {
  // Inline when the answer comes from the connection's own strand (a handler that answered at
  // once): no trip through the scheduler.
  asio::dispatch(strand_, [self = shared_from_this(), seq, r = std::move(r)]() mutable {
    self->deliver(seq, r);
  });
}

// -- reading ---------------------------------------------------------------------------------

void connection::read_more() {
  if (reading_ || phase_ == phase::closed) return;
  if (phase_ != phase::lingering) {
    if (no_more_requests_ || peer_done_) return;
    if (slots_.size() >= shared_->settings.max_pipelined) return;
  }
  start_read();
}

void connection::start_read() {
  if (phase_ == phase::lingering) {
    in_begin_ = in_end_ = 0;
  } else if (in_begin_ > 0) {
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  if (in_end_ == read_buffer_bytes) return;  // the parser stopped mid-buffer; it resumes first
  reading_ = true;
  // Wait for bytes first, then read them into a buffer that exists only while there are any:
  // a connection that is idle, or has not sent a byte yet, costs no read buffer.
  socket_.async_wait(
      asio::socket_base::wait_read,
      asio::bind_executor(strand_, [self = shared_from_this()](const asio::error_code& ec) {
        self->on_readable(ec);
      }));
}

void connection::on_readable(const asio::error_code& ec) {
  if (ec) {
    on_read(ec, 0);
    return;
  }
  if (phase_ == phase::closed) {
    reading_ = false;
    return;
  }
  if (!in_) in_ = std::make_unique<char[]>(read_buffer_bytes);
  asio::error_code read_ec;
  auto n =
      socket_.read_some(asio::buffer(in_.get() + in_end_, read_buffer_bytes - in_end_), read_ec);
  if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
    reading_ = false;
    start_read();  // woken without data after all
    return;
  }
  on_read(read_ec, n);
}

void connection::on_read(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (phase_ == phase::closed) return;
  if (phase_ == phase::lingering) {
    lingered_bytes_ += n;
    if (ec || lingered_bytes_ > max_linger_bytes)
      abort();
    else
      start_read();
    return;
  }
  if (ec == asio::error::operation_aborted) {  // cancelled to hand the socket over
    maybe_hand_over_stream();
    return;
  }
  if (ec) {
    // A client may send its requests and close its sending side (HTTP allows it): what it
    // asked for is still answered. A reset, or an end inside a request, ends everything.
    peer_done_ = true;
    bool partial = parser_.in_request() && !no_more_requests_;
    if (ec != asio::error::eof || partial || (slots_.empty() && !writing_)) {
      abort();
      return;
    }
    update_phase();
    return;
  }
  in_end_ += n;
  parse_buffered();
  if (phase_ == phase::closed || phase_ == phase::lingering) return;
  update_phase();
  read_more();
}

void connection::parse_buffered() {
  while (in_begin_ < in_end_ && !no_more_requests_ && phase_ != phase::closed &&
         slots_.size() < shared_->settings.max_pipelined) {
    auto step = parser_.feed(in_.get() + in_begin_, in_end_ - in_begin_);
    in_begin_ += step.consumed;
    switch (step.what) {
      case request_parser::event::need_more:
        break;
      case request_parser::event::head:
        on_head();
        break;
      case request_parser::event::complete:
        on_complete();
        break;
      case request_parser::event::failed:
        on_parse_failure();
        return;
    }
  }
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
    if (!parser_.in_request()) in_.reset();  // nothing half-read: the next bytes get a new one
  }
}

void connection::on_head() {
  const auto& head = parser_.current();
  if (refuse_) {
    answer_and_close(503,
                     "acepool has " + std::to_string(shared_->table->max()) +
                         " connections open (MAX_CONNECTIONS); retry shortly",
                     nullptr);
    return;
  }
  if (!head.chunked_body && head.declared_body_bytes == 0) return;
  if (!routes_->admits_body(head)) {
    // Refused before its body is read (unknown route, wrong method, no credentials, too large):
    // the router answers the head alone, and the connection closes after it.
    auto req = std::make_shared<request>(head);
    no_more_requests_ = true;
    auto seq = add_slot(*req, true).seq;
    routes_->refuse(req, std::make_shared<queued_sink>(shared_from_this(), seq));
    return;
  }
  uint64_t limit = routes_->body_limit();
  parser_.set_body_limit(limit);
  uint64_t need = head.chunked_body ? limit : std::min(head.declared_body_bytes, limit);
  if (!shared_->bodies.reserve(need)) {
    answer_and_close(503, "too many request bodies are being received at once; retry shortly",
                     shared_->counters.over_budget);
    return;
  }
  body_reserved_ = need;
  if (parser_.expects_continue() && head.http_minor == 1 && slots_.empty() && !writing_) {
    slots_.push_back(slot{0, continue_interim, {}, nullptr, true, false, false, 1, nullptr});
    write_pending();
  }
}

void connection::on_complete() {
  release_body_reservation();
  bool keep_alive = parser_.keep_alive();
  auto req = parser_.take_request();
  ++requests_seen_;
  if (!keep_alive) no_more_requests_ = true;
  if (req->verb == method::get && routes_->streams(req->path)) {
    // A stream is the connection's last answer; it starts once every earlier one is written.
    no_more_requests_ = true;
    auto& s = add_slot(*req, true);
    s.stream_request = std::move(req);
    maybe_hand_over_stream();
    return;
  }
  auto seq = add_slot(*req, !keep_alive).seq;
  routes_->dispatch(std::move(req), std::make_shared<queued_sink>(shared_from_this(), seq));
}

void connection::on_parse_failure() {
  auto failure = parser_.failure();
  auto* counter =
      failure == parse_failure::malformed || failure == parse_failure::unsupported_version
          ? shared_->counters.malformed
          : shared_->counters.too_large;
  answer_and_close(status_of(failure), parser_.failure_detail(), counter);
}

void connection::answer_and_close(int status, const std::string& detail,
                                  metrics::counter_metric* counter) {
  count(counter);
  no_more_requests_ = true;
  release_body_reservation();
  request unreadable;
  if (parser_.head_done()) unreadable = parser_.current();
  auto seq = add_slot(unreadable, true).seq;
  routes_->answer_unreadable(unreadable, status, detail,
                             std::make_shared<queued_sink>(shared_from_this(), seq));
}

connection::slot& connection::add_slot(const request& r, bool close_after) {
  slot s;
  s.seq = next_seq_++;
  s.close_after = close_after;
  s.head_only = r.verb == method::head;
  s.http_minor = r.http_minor;
  slots_.push_back(std::move(s));
  return slots_.back();
}

void connection::release_body_reservation() {
  if (body_reserved_ == 0) return;
  shared_->bodies.release(body_reserved_);
  body_reserved_ = 0;
}

// -- writing ---------------------------------------------------------------------------------

void connection::deliver(uint64_t seq, const response& r) {
  if (phase_ == phase::closed || phase_ == phase::lingering) return;
  for (auto& s : slots_) {
    if (s.seq != seq || s.ready) continue;
    wire_options wire{s.head_only, s.close_after, s.http_minor};
    s.bytes = serialize_response(r, wire);
    s.tail = shared_tail(r, wire);
    s.tail_owner = r.shared_owner;
    s.ready = true;
    write_pending();
    return;
  }
}

void connection::write_pending() {
  if (writing_ || phase_ == phase::closed || phase_ == phase::lingering) return;
  std::vector<asio::const_buffer> buffers;
  size_t n = 0;
  for (const auto& s : slots_) {
    if (!s.ready || s.stream_request || n == max_slots_per_write) break;
    buffers.emplace_back(asio::buffer(s.bytes));
    if (!s.tail.empty()) buffers.emplace_back(asio::buffer(s.tail.data(), s.tail.size()));
    ++n;
    if (s.close_after) break;
  }
  if (n == 0) {
    maybe_hand_over_stream();
    return;
  }
  writing_ = true;
  auto generation = ++write_generation_;
  write_timer_.expires_after(shared_->settings.write_timeout);
  write_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (ec || generation != self->write_generation_ || !self->writing_) return;
    count(self->shared_->counters.write_timeouts);
    self->abort();
  });
  asio::async_write(socket_, buffers,
                    asio::bind_executor(strand_, [self = shared_from_this(), n](
                                                     const asio::error_code& ec, size_t) {
                      self->on_written(ec, n);
                    }));
}

void connection::on_written(const asio::error_code& ec, size_t slots_written) {
  writing_ = false;
  ++write_generation_;
  write_timer_.cancel();
  if (phase_ == phase::closed) return;
  if (ec) {
    abort();
    return;
  }
  bool close = false;
  for (size_t i = 0; i < slots_written && !slots_.empty(); ++i) {
    close = close || slots_.front().close_after;
    slots_.pop_front();
  }
  if (close) {
    linger_close();
    return;
  }
  if (slots_.empty() && peer_done_) {
    abort();
    return;
  }
  parse_buffered();  // pipelined requests that waited for room
  if (phase_ == phase::closed || phase_ == phase::lingering) return;
  write_pending();
  if (phase_ == phase::closed) return;
  update_phase();
  read_more();
}

void connection::maybe_hand_over_stream() {
  if (writing_ || slots_.empty() || !slots_.front().stream_request || phase_ == phase::closed)
    return;
  if (reading_) {  // the socket moves only without an operation pending on it
    asio::error_code ignored;
    socket_.cancel(ignored);
    return;
  }
  auto req = std::move(slots_.front().stream_request);
  slots_.clear();
  phase_ = phase::closed;
  set_idle(false);  // a stream is never idle
  ++timer_generation_;
  ++write_generation_;
  read_timer_.cancel();
  write_timer_.cancel();
  auto stream = std::make_shared<socket_stream>(std::move(socket_), shared_->settings.write_timeout,
                                                slot_, req->http_minor == 1);
  stream->start();
  routes_->dispatch(std::move(req), std::move(stream));
}

}  // namespace acepool::http
