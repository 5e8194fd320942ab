// The RESTinio adapter: converts RESTinio requests into http::request, hands them to the router
// and writes http::response back. The only translation unit that includes RESTinio (it costs
// ~25 s to compile), so it changes rarely.
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>
#include <restinio/all.hpp>

#include "http/router.hpp"
#include "http/server.hpp"
#include "support/logging.hpp"

namespace acepool::http {

// Named (not anonymous) so http_server::impl may hold these types without -Wsubobject-linkage.
namespace restinio_adapter {

bool is_disconnect_noise(const std::string& msg) {
  static const char* const noise[] = {"Broken pipe",        "Connection reset",    "End of file",
                                      "Operation canceled", "Bad file descriptor", "timeout",
                                      "Transport endpoint"};
  for (const char* n : noise)
    if (msg.find(n) != std::string::npos) return true;
  return false;
}

/// RESTinio's logger, routed to spdlog; client disconnects are not errors.
class restinio_logger {
 public:
  template <class Builder>
  void trace(Builder&&) const noexcept {}
  template <class Builder>
  void info(Builder&& b) const noexcept {
    emit(spdlog::level::debug, b);
  }
  template <class Builder>
  void warn(Builder&& b) const noexcept {
    emit(spdlog::level::debug, b);
  }
  template <class Builder>
  void error(Builder&& b) const noexcept {
    try {
      auto msg = b();
      log::event(is_disconnect_noise(msg) ? spdlog::level::debug : spdlog::level::warn,
                 "http.transport", {{"detail", msg}});
    } catch (...) {
    }
  }

 private:
  template <class Builder>
  static void emit(spdlog::level::level_enum lvl, Builder& b) noexcept {
    try {
      if (log::logger().should_log(lvl)) log::event(lvl, "http.transport", {{"detail", b()}});
    } catch (...) {
    }
  }
};

class restinio_stream;

/// Tells open streams that RESTinio closed their connection: a connection closed by one of
/// RESTinio's timers is reported nowhere else (field guide §4.3).
class connection_watch {
 public:
  void state_changed(const restinio::connection_state::notice_t& notice) noexcept;
  void watch(restinio::connection_id_t id, std::weak_ptr<restinio_stream> stream);

 private:
  std::mutex mutex_;
  std::map<restinio::connection_id_t, std::weak_ptr<restinio_stream>> streams_;
};

struct traits : restinio::default_traits_t {
  using logger_t = restinio_logger;
  using connection_state_listener_t = connection_watch;
};
using server_t = restinio::http_server_t<traits>;

/// A chunked MPEG-TS response over RESTinio. The head goes out with the first flush; one flush
/// is in flight at a time (the caller's contract) and flush() is never called under the lock
/// (a flush on the connection's strand may complete inline and call back into this object).
class restinio_stream final : public stream_body,
                              public std::enable_shared_from_this<restinio_stream> {
 public:
  restinio_stream(restinio::request_handle_t req, std::chrono::milliseconds write_timeout)
      : req_(std::move(req)), write_timeout_(write_timeout) {}

  void write(std::vector<relay::buffer_slice> data, const header_list& head,
             std::function<void(relay::write_outcome)> done) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (closed_ || finished_) {
      lock.unlock();
      done(relay::write_outcome::closed);
      return;
    }
    if (!builder_) {
      builder_.emplace(req_->create_response<restinio::chunked_output_t>());
      builder_->append_header(restinio::http_field::content_type, "video/MP2T");
      for (const auto& [name, value] : head)
        builder_->append_header(name, value);
    }
    for (const auto& s : data)
      builder_->append_chunk(restinio::const_buffer(s.chunk->data() + s.offset, s.length));
    in_flight_ = true;
    auto started = std::chrono::steady_clock::now();
    auto self = shared_from_this();
    // The slices keep their chunks alive until the write completed.
    auto on_written = [self, data = std::move(data), done = std::move(done),
                       started](const asio::error_code& ec) { self->written(ec, started, done); };
    auto* builder = &*builder_;
    lock.unlock();
    builder->flush(std::move(on_written));
  }

  void finish() override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (in_flight_) return;  // written() ends it
    end(lock);
  }

  bool closed() const override { return closed_.load(); }

  void mark_closed() { closed_ = true; }

 private:
  void written(const asio::error_code& ec, std::chrono::steady_clock::time_point started,
               const std::function<void(relay::write_outcome)>& done) {
    auto outcome = relay::write_outcome::ok;
    if (ec) {
      closed_ = true;
      // RESTinio closes a connection whose write exceeded write_http_response_timelimit.
      outcome = std::chrono::steady_clock::now() - started >= write_timeout_
                    ? relay::write_outcome::timed_out
                    : relay::write_outcome::closed;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      in_flight_ = false;
      if (finished_) end(lock);
    }
    done(outcome);
  }

  /// Sends the final chunk (or, before any byte, an empty 200 head and body).
  void end(std::unique_lock<std::mutex>& lock) {
    if (ended_) return;
    ended_ = true;
    if (closed_) return;
    if (!builder_) builder_.emplace(req_->create_response<restinio::chunked_output_t>());
    auto* builder = &*builder_;
    lock.unlock();
    try {
      builder->done();
    } catch (const std::exception&) {
    }
    lock.lock();
  }

  restinio::request_handle_t req_;
  std::chrono::milliseconds write_timeout_;
  std::mutex mutex_;
  std::optional<restinio::response_builder_t<restinio::chunked_output_t>> builder_;
  bool in_flight_ = false, finished_ = false, ended_ = false;
  std::atomic<bool> closed_{false};
};

void connection_watch::state_changed(const restinio::connection_state::notice_t& notice) noexcept {
  if (!restinio::holds_alternative<restinio::connection_state::closed_t>(notice.cause())) return;
  std::shared_ptr<restinio_stream> stream;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto it = streams_.find(notice.connection_id());
    if (it == streams_.end()) return;
    stream = it->second.lock();
    streams_.erase(it);
  }
  if (stream) stream->mark_closed();
}

void connection_watch::watch(restinio::connection_id_t id, std::weak_ptr<restinio_stream> stream) {
  std::lock_guard<std::mutex> guard(mutex_);
  // Forget streams that ended on connections still open (keep-alive), so the map stays bounded.
  if (streams_.size() > 64) {
    for (auto it = streams_.begin(); it != streams_.end();)
      it = it->second.expired() ? streams_.erase(it) : std::next(it);
  }
  streams_[id] = std::move(stream);
}

/// Writes one http::response through RESTinio; safe from any thread (RESTinio dispatches the
/// write onto the connection's strand).
class restinio_sink final : public response_sink {
 public:
  restinio_sink(restinio::request_handle_t req, std::shared_ptr<connection_watch> watch,
                std::chrono::milliseconds write_timeout)
      : req_(std::move(req)), watch_(std::move(watch)), write_timeout_(write_timeout) {}

  std::shared_ptr<stream_body> open_stream() override {
    auto stream = std::make_shared<restinio_stream>(req_, write_timeout_);
    watch_->watch(req_->connection_id(), stream);
    return stream;
  }

  void send(response r) override {
    auto builder = req_->create_response(restinio::http_status_line_t{
        restinio::http_status_code_t{static_cast<std::uint16_t>(r.status)},
        reason_phrase(r.status)});
    if (!r.content_type.empty())
      builder.append_header(restinio::http_field::content_type, r.content_type);
    for (auto& [name, value] : r.headers)
      builder.append_header(std::move(name), std::move(value));
    builder.set_body(std::move(r.body));
    builder.done();
  }

 private:
  restinio::request_handle_t req_;
  std::shared_ptr<connection_watch> watch_;
  std::chrono::milliseconds write_timeout_;
};

std::shared_ptr<request> convert(const restinio::request_handle_t& req) {
  auto out = std::make_shared<request>();
  const auto& h = req->header();
  out->method_text = h.method().c_str();
  out->verb = parse_method(out->method_text);
  auto path = h.path();
  out->path.assign(path.data(), path.size());
  auto query = h.query();
  out->query.assign(query.data(), query.size());
  h.for_each_field([&](const auto& f) { out->headers.emplace_back(f.name(), f.value()); });
  out->body = req->body();
  out->connection_id = req->connection_id();
  return out;
}

}  // namespace restinio_adapter

using restinio_adapter::server_t;

struct http_server::impl {
  server_options options;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<server_t>> servers;
  std::vector<uint16_t> ports;
  bool stopped = false;
};

http_server::http_server(server_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
}

http_server::~http_server() {
  stop();
}

std::optional<std::string> http_server::start() {
  auto& s = *impl_;
  s.work.emplace(asio::make_work_guard(s.io));
  for (size_t i = 0; i < std::max<size_t>(1, s.options.io_threads); ++i)
    s.threads.emplace_back([&io = s.io] { io.run(); });
  s.ports.assign(s.options.listeners.size(), 0);
  for (size_t i = 0; i < s.options.listeners.size(); ++i) {
    const auto& l = s.options.listeners[i];
    auto routes = l.routes;
    auto watch = std::make_shared<restinio_adapter::connection_watch>();
    auto write_timeout = s.options.write_timeout;
    uint16_t* bound_port = &s.ports[i];
    auto server =
        std::make_unique<server_t>(restinio::external_io_context(s.io), [&](auto& settings) {
          settings.address(l.bind)
              .port(l.port)
              .request_handler([routes, watch, write_timeout](restinio::request_handle_t req) {
                auto sink =
                    std::make_shared<restinio_adapter::restinio_sink>(req, watch, write_timeout);
                routes->dispatch(restinio_adapter::convert(req), std::move(sink));
                return restinio::request_accepted();
              })
              .connection_state_listener(watch)
              .handle_request_timeout(s.options.handle_request_timeout)
              .write_http_response_timelimit(s.options.write_timeout)
              .read_next_http_message_timelimit(std::chrono::seconds(60))
              .incoming_http_msg_limits(
                  restinio::incoming_http_msg_limits_t{}.max_body_size(s.options.hard_body_limit))
              .acceptor_post_bind_hook([bound_port](asio::ip::tcp::acceptor& a) {
                *bound_port = a.local_endpoint().port();
              });
        });
    std::promise<std::optional<std::string>> opened;
    server->open_async([&opened] { opened.set_value(std::nullopt); },
                       [&opened, &l](std::exception_ptr ex) {
                         std::string why = "unknown error";
                         try {
                           std::rethrow_exception(ex);
                         } catch (const std::exception& e) {
                           why = e.what();
                         } catch (...) {
                         }
                         opened.set_value("cannot listen on " + l.bind + ":" +
                                          std::to_string(l.port) + " (" + l.name + "): " + why);
                       });
    if (auto err = opened.get_future().get()) return err;
    log::event(spdlog::level::info, "http.listening",
               {{"listener", l.name}, {"address", l.bind}, {"port", s.ports[i]}});
    s.servers.push_back(std::move(server));
  }
  return std::nullopt;
}

uint16_t http_server::port(size_t index) const {
  return index < impl_->ports.size() ? impl_->ports[index] : 0;
}

void http_server::stop_accepting() {
  auto& s = *impl_;
  if (s.stopped || s.threads.empty()) return;
  for (auto& server : s.servers) {
    std::promise<void> closed;
    server->close_async([&closed] { closed.set_value(); },
                        [&closed](std::exception_ptr) { closed.set_value(); });
    closed.get_future().wait();
  }
}

void http_server::stop() {
  auto& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  if (!s.threads.empty()) {
    for (auto& server : s.servers) {
      std::promise<void> closed;
      server->close_async([&closed] { closed.set_value(); },
                          [&closed](std::exception_ptr) { closed.set_value(); });
      closed.get_future().wait();
    }
  }
  s.work.reset();
  s.io.stop();
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  s.threads.clear();
  s.servers.clear();
}

}  // namespace acepool::http
