// A connection's deadlines (header, body, idle), its phase, and how it closes: lingering after
// the last answer, or aborting at once.
#include "http/connection.hpp"

#include "http/connection_internal.hpp"
#include "http/router.hpp"

namespace acepool::http {

using namespace connection_detail;

// -- deadlines and closing -------------------------------------------------------------------

void connection::update_phase() {
  if (phase_ == phase::closed || phase_ == phase::lingering) return;
  phase next = phase::idle;
  if (parser_.in_request() && !no_more_requests_)
    next = parser_.head_done() ? phase::body : phase::head;
  else if (!slots_.empty() || writing_)
    next = phase::waiting;
  if (next == phase_) return;
  phase_ = next;
  set_idle(next == phase::idle);
  const auto& s = shared_->settings;
  switch (next) {
    case phase::idle:
      // Before the first request, silence counts against the head's deadline.
      arm_read_timer(requests_seen_ == 0 ? s.header_timeout : s.idle_timeout);
      break;
    case phase::head:
      arm_read_timer(s.header_timeout);
      break;
    case phase::body:
      arm_read_timer(s.body_timeout);
      break;
    default:
      ++timer_generation_;
      read_timer_.cancel();
      break;
  }
}

void connection::set_idle(bool idle) {
  if (!idle || refuse_) {
    idle_->store(0, std::memory_order_relaxed);
    return;
  }
  // Idle since it first became idle: a later phase update while still idle (a write's
  // completion that runs after the next read) must not make it look idle for less long.
  if (idle_->load(std::memory_order_relaxed) == 0)
    idle_->store(wall_ms(), std::memory_order_relaxed);
}

void connection::arm_read_timer(std::chrono::milliseconds after) {
  auto generation = ++timer_generation_;
  read_timer_.expires_after(after);
  read_timer_.async_wait([self = shared_from_this(), generation](const asio::error_code& ec) {
    if (!ec) self->on_read_timer(generation);
  });
}

void connection::on_read_timer(uint64_t generation) {
  if (generation != timer_generation_) return;
  const auto& s = shared_->settings;
  switch (phase_) {
    case phase::head:
      answer_and_close(408,
                       "the request head was not received within HTTP_HEADER_TIMEOUT_S (" +
                           seconds_text(s.header_timeout) + ")",
                       shared_->counters.header_timeouts);
      update_phase();
      break;
    case phase::body:
      answer_and_close(408,
                       "the request body was not received within HTTP_BODY_TIMEOUT_S (" +
                           seconds_text(s.body_timeout) + ")",
                       shared_->counters.body_timeouts);
      update_phase();
      break;
    case phase::idle:
    case phase::lingering:
      abort();
      break;
    default:
      break;
  }
}

void connection::linger_close() {
  phase_ = phase::lingering;
  set_idle(false);
  slots_.clear();
  release_body_reservation();
  asio::error_code ec;
  socket_.shutdown(asio::socket_base::shutdown_send, ec);
  if (ec) {
    abort();
    return;
  }
  arm_read_timer(linger_time);
  if (!reading_) start_read();
}

void connection::abort() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  set_idle(false);
  ++timer_generation_;
  ++write_generation_;
  read_timer_.cancel();
  write_timer_.cancel();
  asio::error_code ignored;
  socket_.close(ignored);
  slots_.clear();
  release_body_reservation();
  // Answers may still be on their way (each holds the connection); what a closed connection
  // does not need goes now, its place under MAX_CONNECTIONS first.
  slot_.reset();
  in_.reset();
}

}  // namespace acepool::http
