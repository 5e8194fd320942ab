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
#include "http/socket_stream.hpp"
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

struct traits : restinio::default_traits_t {
  using logger_t = restinio_logger;
};
using server_t = restinio::http_server_t<traits>;

/// Writes one http::response through RESTinio; safe from any thread (RESTinio dispatches the
/// write onto the connection's strand).
class restinio_sink final : public response_sink {
 public:
  explicit restinio_sink(restinio::request_handle_t req) : req_(std::move(req)) {}

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
};

/// Takes the connection of a stream request away from RESTinio (as its WebSocket upgrade does):
/// relay bodies are written straight to the socket, without RESTinio's per-write strand hop,
/// write group and chunk bookkeeping, which cost as much CPU as the kernel's copy at high
/// fan-out. Runs on the connection's strand (inside the request handler). Null when the
/// connection is no longer RESTinio's to give.
std::shared_ptr<socket_stream> take_over(const restinio::request_handle_t& req,
                                         std::chrono::milliseconds write_timeout) {
  auto& handle = restinio::impl::access_req_connection(*req);
  if (!handle) return nullptr;
  auto* conn = dynamic_cast<restinio::impl::connection_t<traits>*>(handle.get());
  if (conn == nullptr) return nullptr;
  auto owned = std::move(handle);
  auto internals = conn->move_upgrade_internals();
  using monitor_t = decltype(internals.m_lifetime_monitor);
  auto monitor = std::make_shared<monitor_t>(std::move(internals.m_lifetime_monitor));
  auto stream = std::make_shared<socket_stream>(std::move(internals.m_socket), write_timeout,
                                                std::move(monitor));
  stream->start();
  return stream;
}

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
    auto write_timeout = s.options.write_timeout;
    uint16_t* bound_port = &s.ports[i];
    auto server =
        std::make_unique<server_t>(restinio::external_io_context(s.io), [&](auto& settings) {
          settings.address(l.bind)
              .port(l.port)
              .request_handler([routes, write_timeout](restinio::request_handle_t req) {
                auto converted = restinio_adapter::convert(req);
                std::shared_ptr<response_sink> sink;
                if (converted->verb == method::get && routes->streams(converted->path))
                  sink = restinio_adapter::take_over(req, write_timeout);
                if (!sink) sink = std::make_shared<restinio_adapter::restinio_sink>(req);
                routes->dispatch(std::move(converted), std::move(sink));
                return restinio::request_accepted();
              })
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
