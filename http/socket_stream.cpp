#include "http/socket_stream.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include <asio/buffer.hpp>

#include "http/response_wire.hpp"

namespace acepool::http {

namespace {

constexpr char crlf[] = "\r\n";
constexpr size_t max_iov_per_call = 64;
constexpr int send_buffer_bytes = 256 << 10;  // the kernel doubles it

// The head of a streamed answer; the connection closes after it. A Content-Type among
// `headers` replaces `content_type` (the relay's MPEG-TS is the default).
void append_stream_head(std::string& out, bool chunked, const std::string& content_type,
                        const header_list& headers) {
  bool typed = std::any_of(headers.begin(), headers.end(),
                           [](const auto& h) { return iequals(h.first, "Content-Type"); });
  append_head(out, chunked ? 1 : 0, 200, typed ? std::string() : content_type, headers);
  out += chunked ? "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                 : "Connection: close\r\n\r\n";
}

// The chunk-size line of HTTP/1.1 chunked encoding: hex digits and CRLF.
void append_chunk_size(std::string& out, size_t size) {
  char digits[2 * sizeof(size_t)];
  size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[size & 0xf];
    size >>= 4;
  } while (size != 0);
  while (n > 0)
    out += digits[--n];
  out += crlf;
}

}  // namespace

socket_stream::socket_stream(asio::ip::tcp::socket socket, std::chrono::milliseconds write_timeout,
                             std::shared_ptr<void> keep_alive, bool chunked)
    : socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      write_timeout_(write_timeout),
      keep_alive_(std::move(keep_alive)),
      chunked_(chunked) {
  // A fixed send buffer instead of the kernel's autotuning (up to 4 MiB per socket): bounded
  // memory per client, and a slow client's pending write completes as it reads instead of
  // waiting for a third of a huge buffer to drain before the socket reports writable again.
  asio::error_code ignored;
  socket_.set_option(asio::socket_base::send_buffer_size(send_buffer_bytes), ignored);
}

std::shared_ptr<socket_stream> socket_stream::adopt(asio::ip::tcp::socket socket,
                                                    std::chrono::milliseconds write_timeout,
                                                    std::shared_ptr<void> keep_alive,
                                                    const relay::handover_socket& from) {
  auto s = std::make_shared<socket_stream>(std::move(socket), write_timeout, std::move(keep_alive),
                                           from.chunked);
  s->head_sent_ = true;
  s->carry_ = from.unsent;
  return s;
}

void socket_stream::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  watch_hangup_locked();
}

std::shared_ptr<stream_body> socket_stream::open_stream() {
  return shared_from_this();
}

void socket_stream::send(response r) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (head_sent_ || closed_) return;
  head_sent_ = finished_ = ended_ = true;
  prefix_.clear();
  append_head(prefix_, chunked_ ? 1 : 0, r.status, r.content_type, r.headers);
  prefix_ += "Content-Length: " + std::to_string(r.body_size()) + crlf;
  prefix_ += "Connection: close\r\n\r\n";
  prefix_ += r.body;
  prefix_ += r.shared_body;
  slices_.clear();
  auto then = start_write_locked(nullptr, true);
  lock.unlock();
  if (then) then();
}

void socket_stream::write(std::vector<relay::buffer_slice> data, const header_list& head,
                          std::function<void(relay::write_outcome)> done) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_ || finished_ || in_flight_) {
    lock.unlock();
    done(relay::write_outcome::closed);
    return;
  }
  prefix_ = std::move(carry_);
  carry_.clear();
  if (!head_sent_) {
    head_sent_ = true;
    append_stream_head(prefix_, chunked_, "video/MP2T", head);
  }
  size_t total = 0;
  for (const auto& s : data)
    total += s.length;
  if (total > 0 && chunked_) append_chunk_size(prefix_, total);
  slices_ = std::move(data);
  auto then = start_write_locked(std::move(done), false);
  lock.unlock();
  if (then) then();
}

void socket_stream::finish() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (in_flight_) return;  // write_finished_locked() ends it
  auto then = end_locked();
  lock.unlock();
  if (then) then();
}

std::function<void()> socket_stream::end_locked() {
  ended_ = true;
  if (closed_) return {};
  prefix_ = std::move(carry_);
  carry_.clear();
  if (!head_sent_) {
    head_sent_ = true;
    append_stream_head(prefix_, chunked_, "", {});
  }
  if (chunked_) prefix_ += "0\r\n\r\n";
  slices_.clear();
  return start_write_locked(nullptr, true);
}

std::function<void()> socket_stream::start_write_locked(completion done, bool close_after) {
  pending_.clear();
  pending_index_ = 0;
  if (!prefix_.empty()) pending_.push_back({prefix_.data(), prefix_.size()});
  size_t total = 0;
  for (const auto& s : slices_) {
    if (s.length == 0) continue;
    pending_.push_back({const_cast<char*>(s.chunk->data() + s.offset), s.length});
    total += s.length;
  }
  if (total > 0 && chunked_) pending_.push_back({const_cast<char*>(crlf), 2});
  done_ = std::move(done);
  close_after_ = close_after;
  in_flight_ = true;
  auto seq = ++write_seq_;
  if (suspended_) return {};  // held until resume(), or carried over by handover()
  switch (send_some_locked()) {
    case progress::complete:
      return write_finished_locked(relay::write_outcome::ok);
    case progress::failed:
      return write_finished_locked(relay::write_outcome::closed);
    case progress::blocked:
      break;
  }
  deadline_.expires_after(write_timeout_);
  deadline_.async_wait([self = shared_from_this(), seq](const asio::error_code& ec) {
    if (!ec) self->on_deadline(seq);
  });
  wait_writable_locked();
  return {};
}

socket_stream::progress socket_stream::send_some_locked() {
  int fd = socket_.native_handle();
  while (pending_index_ < pending_.size()) {
    msghdr msg{};
    msg.msg_iov = pending_.data() + pending_index_;
    msg.msg_iovlen = std::min(pending_.size() - pending_index_, max_iov_per_call);
    ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return progress::blocked;
      return progress::failed;
    }
    advance_locked(static_cast<size_t>(n));
  }
  return progress::complete;
}

void socket_stream::advance_locked(size_t written) {
  while (written > 0 && pending_index_ < pending_.size()) {
    auto& v = pending_[pending_index_];
    if (written < v.iov_len) {
      v.iov_base = static_cast<char*>(v.iov_base) + written;
      v.iov_len -= written;
      return;
    }
    written -= v.iov_len;
    ++pending_index_;
  }
}

void socket_stream::wait_writable_locked() {
  // asio's own write (not async_wait + sendmsg): it retries under the reactor's descriptor lock,
  // so the wake-up of a socket that drained meanwhile cannot be lost.
  asio_pending_.clear();
  for (size_t i = pending_index_; i < pending_.size() && asio_pending_.size() < max_iov_per_call;
       ++i)
    asio_pending_.emplace_back(pending_[i].iov_base, pending_[i].iov_len);
  asio_writing_ = true;
  socket_.async_write_some(asio_pending_, [self = shared_from_this(), seq = write_seq_](
                                              const asio::error_code& ec, size_t written) {
    self->on_writable(seq, ec, written);
  });
}

void socket_stream::on_writable(uint64_t seq, const asio::error_code& ec, size_t written) {
  std::function<void()> then;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    asio_writing_ = false;
    if (suspended_) {
      if (!ec && in_flight_ && seq == write_seq_) advance_locked(written);
      then = suspended_idle_locked();
    }
    if (suspended_ || ec == asio::error::operation_aborted) {
      // (aborted: by close or suspend; nothing more to do here)
    } else if (!in_flight_ || seq != write_seq_ || closed_) {
      return;
    } else {
      then = on_writable_locked(ec, written);
    }
  }
  if (then) then();
}

std::function<void()> socket_stream::on_writable_locked(const asio::error_code& ec,
                                                        size_t written) {
  advance_locked(written);
  switch (ec ? progress::failed : send_some_locked()) {
    case progress::complete:
      return write_finished_locked(relay::write_outcome::ok);
    case progress::failed:
      return write_finished_locked(relay::write_outcome::closed);
    case progress::blocked:
      wait_writable_locked();
      break;
  }
  return {};
}

void socket_stream::on_deadline(uint64_t seq) {
  std::function<void()> then;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!in_flight_ || seq != write_seq_ || suspended_) return;
    then = write_finished_locked(relay::write_outcome::timed_out);
  }
  if (then) then();
}

std::function<void()> socket_stream::write_finished_locked(relay::write_outcome outcome) {
  in_flight_ = false;
  auto done = std::move(done_);
  done_ = nullptr;
  slices_.clear();  // releases the chunks
  pending_.clear();
  asio_pending_.clear();
  deadline_.cancel();
  std::function<void()> then;
  if (outcome != relay::write_outcome::ok || close_after_)
    close_locked();
  else if (finished_ && !ended_)
    then = end_locked();
  if (!done && !then) return {};
  return [done = std::move(done), then = std::move(then), outcome] {
    if (done) done(outcome);
    if (then) then();
  };
}

void socket_stream::watch_hangup_locked() {
  reading_ = true;
  socket_.async_read_some(asio::buffer(discard_),
                          [self = shared_from_this()](const asio::error_code& ec, size_t) {
                            std::function<void()> then;
                            {
                              std::lock_guard<std::mutex> lock(self->mutex_);
                              self->reading_ = false;
                              if (self->suspended_) {
                                then = self->suspended_idle_locked();
                              } else if (self->closed_) {
                                return;
                              } else if (!ec) {
                                self->watch_hangup_locked();
                                return;
                              } else if (self->in_flight_) {
                                then = self->write_finished_locked(relay::write_outcome::closed);
                              } else {
                                self->close_locked();
                                then = std::move(self->on_hangup_);
                              }
                            }
                            if (then) then();
                          });
}

void socket_stream::suspend(std::function<void(bool)> done) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_ || !head_sent_ || finished_ || suspended_) {
    lock.unlock();
    done(false);
    return;
  }
  suspended_ = true;
  suspend_done_ = std::move(done);
  deadline_.cancel();
  asio::error_code ignored;
  socket_.cancel(ignored);  // the hang-up watch and a write waiting for room complete aborted
  auto then = suspended_idle_locked();
  lock.unlock();
  if (then) then();
}

std::function<void()> socket_stream::suspended_idle_locked() {
  if (!suspended_ || reading_ || asio_writing_) return {};
  if (resume_pending_) return resume_locked();
  if (!suspend_done_) return {};
  return [done = std::move(suspend_done_)] { done(true); };
}

std::optional<relay::handover_socket> socket_stream::handover() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!suspended_ || closed_ || reading_ || asio_writing_) return std::nullopt;
  relay::handover_socket h;
  h.fd = ::fcntl(socket_.native_handle(), F_DUPFD_CLOEXEC, 0);
  if (h.fd < 0) return std::nullopt;
  h.chunked = chunked_;
  if (in_flight_) {
    for (size_t i = pending_index_; i < pending_.size(); ++i)
      h.unsent.append(static_cast<const char*>(pending_[i].iov_base), pending_[i].iov_len);
  } else {
    h.unsent = carry_;
  }
  return h;
}

void socket_stream::resume() {
  std::function<void()> then;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!suspended_) return;
    // An operation the suspension cancelled has not completed yet: resume when it has, or its
    // late completion would count bytes twice.
    if (reading_ || asio_writing_) {
      resume_pending_ = true;
      return;
    }
    then = resume_locked();
  }
  if (then) then();
}

std::function<void()> socket_stream::resume_locked() {
  suspended_ = false;
  resume_pending_ = false;
  auto done = std::move(suspend_done_);  // still waiting: the suspension ends here anyway
  suspend_done_ = nullptr;
  std::function<void()> then;
  if (!closed_) {
    watch_hangup_locked();
    if (in_flight_) {
      auto seq = write_seq_;
      switch (send_some_locked()) {
        case progress::complete:
          then = write_finished_locked(relay::write_outcome::ok);
          break;
        case progress::failed:
          then = write_finished_locked(relay::write_outcome::closed);
          break;
        case progress::blocked:
          deadline_.expires_after(write_timeout_);
          deadline_.async_wait([self = shared_from_this(), seq](const asio::error_code& ec) {
            if (!ec) self->on_deadline(seq);
          });
          wait_writable_locked();
          break;
      }
    }
  }
  if (!done) return then;
  return [done = std::move(done), then = std::move(then)] {
    done(true);
    if (then) then();
  };
}

void socket_stream::on_hangup(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!closed_) {
    on_hangup_ = std::move(fn);
    return;
  }
  lock.unlock();
  if (fn) fn();  // gone already
}

void socket_stream::close_locked() {
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  deadline_.cancel();
}

}  // namespace acepool::http
