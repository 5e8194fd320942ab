#pragma once

#include <sys/uio.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "http/responder.hpp"
#include "http/stream_body.hpp"

namespace acepool::http {

/// The answer to a stream route, written straight to the client's socket (handed over by its
/// connection once every earlier answer was written): one response, then the connection closes.
///
/// A write goes out at once with a non-blocking sendmsg from the calling thread; only the part
/// the socket buffer cannot take waits for writability on the io threads, bounded by the write
/// timeout (then the client is dropped with `timed_out`). A read on the socket notices a client
/// that hangs up even while nothing is being written. The body is chunked for HTTP/1.1 clients;
/// an HTTP/1.0 client gets the bytes as they are, the close ending the body.
/// Thread-safe: every use of the socket happens under one mutex, so no thread ever writes to a
/// descriptor closed under it.
class socket_stream final : public response_sink,
                            public stream_body,
                            public std::enable_shared_from_this<socket_stream> {
 public:
  /// `keep_alive` is whatever must live as long as the connection (its place under
  /// MAX_CONNECTIONS); `chunked` is false for HTTP/1.0 clients.
  socket_stream(asio::ip::tcp::socket socket, std::chrono::milliseconds write_timeout,
                std::shared_ptr<void> keep_alive, bool chunked = true);

  /// A stream whose head another process sent (acepool --takeover): `unsent` goes out first,
  /// ahead of the next write.
  static std::shared_ptr<socket_stream> adopt(asio::ip::tcp::socket socket,
                                              std::chrono::milliseconds write_timeout,
                                              std::shared_ptr<void> keep_alive,
                                              const relay::handover_socket& from);

  /// Starts watching for the client hanging up. Call once, after construction.
  void start();

  // response_sink
  void send(response r) override;
  std::shared_ptr<stream_body> open_stream() override;

  // stream_body
  void write(std::vector<relay::buffer_slice> data, const header_list& head,
             std::function<void(relay::write_outcome)> done) override;
  void finish() override;
  bool closed() const override { return closed_.load(); }
  void on_hangup(std::function<void()> fn) override;
  void suspend(std::function<void(bool)> done) override;
  std::optional<relay::handover_socket> handover() override;
  void resume() override;

 private:
  using completion = std::function<void(relay::write_outcome)>;
  enum class progress { complete, blocked, failed };

  /// Sends `prefix_`, the slices and the chunk trailer: what the socket takes now, the
  /// rest when it becomes writable. Returns what the caller must run after unlocking (a
  /// completed write's `done`, the end of the body).
  std::function<void()> start_write_locked(completion done, bool close_after);
  /// Sends the end of the body (and a head when nothing was sent), then closes.
  std::function<void()> end_locked();
  progress send_some_locked();
  /// Marks `written` bytes of the pending iovecs as sent.
  void advance_locked(size_t written);
  void wait_writable_locked();
  void on_writable(uint64_t seq, const asio::error_code& ec, size_t written);
  std::function<void()> on_writable_locked(const asio::error_code& ec, size_t written);
  void on_deadline(uint64_t seq);
  std::function<void()> write_finished_locked(relay::write_outcome outcome);
  void watch_hangup_locked();
  void close_locked();

  std::mutex mutex_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  const std::chrono::milliseconds write_timeout_;
  std::shared_ptr<void> keep_alive_;
  const bool chunked_;
  std::array<char, 512> discard_{};  // what a client sends after its request is read and dropped

  // The write in flight: iovecs into prefix_, the slices and the chunk trailer.
  std::string prefix_;
  std::vector<relay::buffer_slice> slices_;
  std::vector<iovec> pending_;
  std::vector<asio::const_buffer> asio_pending_;  // the unsent rest, while asio writes it
  size_t pending_index_ = 0;
  completion done_;
  bool in_flight_ = false;
  bool close_after_ = false;
  uint64_t write_seq_ = 0;

  bool head_sent_ = false, finished_ = false, ended_ = false;
  std::atomic<bool> closed_{false};
  std::function<void()> on_hangup_;  ///< see stream_body::on_hangup
  // Takeover: while suspended nothing is sent or read; suspend_done_ runs once no asio operation
  // is outstanding (reading_: the hang-up watch, asio_writing_: a write waiting for room).
  bool suspended_ = false;
  bool resume_pending_ = false;  // resume() came before the suspension's operations completed
  bool reading_ = false, asio_writing_ = false;
  std::function<void(bool)> suspend_done_;
  std::string carry_;  // adopted: bytes the previous process had not sent, sent first
  /// Calls suspend_done_ when suspended and idle (returns what to run outside the lock).
  std::function<void()> suspended_idle_locked();
  /// Sends and reads again (returns what to run outside the lock).
  std::function<void()> resume_locked();
};

}  // namespace acepool::http
