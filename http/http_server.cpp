#include "http/server.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "http/listener.hpp"
#include "http/socket_stream.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::http {

namespace {

/// The transport's counters, every series present from the first scrape.
transport_counters make_counters(metrics::registry* m) {
  transport_counters c;
  if (m == nullptr) return c;
  auto reason = [&](const char* r) -> metrics::counter_metric* {
    return &m->counter(metrics::http_refused_requests, {{"reason", r}});
  };
  c.malformed = reason("malformed");
  c.too_large = reason("too_large");
  c.header_timeouts = reason("header_timeout");
  c.body_timeouts = reason("body_timeout");
  c.over_budget = reason("body_budget");
  c.write_timeouts = &m->counter(metrics::http_write_timeouts);
  return c;
}

void add_connection_metrics(metrics::registry& m, const std::shared_ptr<connection_table>& table) {
  auto& open = m.gauge(metrics::http_connections);
  auto& cap = m.gauge(metrics::http_connections_max);
  auto& evicted = m.gauge(metrics::http_connections_evicted);
  auto& refused = m.gauge(metrics::http_connections_refused);
  auto& dropped = m.gauge(metrics::http_connections_dropped);
  std::weak_ptr<connection_table> weak = table;
  m.add_collector([weak, &open, &cap, &evicted, &refused, &dropped](metrics::registry&) {
    auto t = weak.lock();
    if (!t) return;
    open.set(static_cast<double>(t->open()));
    cap.set(static_cast<double>(t->max()));
    evicted.set(static_cast<double>(t->evicted()));
    refused.set(static_cast<double>(t->refused()));
    dropped.set(static_cast<double>(t->dropped()));
  });
}

}  // namespace

struct http_server::impl {
  server_options options;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::shared_ptr<connection_table> table;
  std::shared_ptr<transport_shared> shared;
  std::vector<std::shared_ptr<listener>> listeners;
  bool stopped = false;
};

http_server::http_server(server_options options) : impl_(std::make_unique<impl>()) {
  auto& s = *impl_;
  s.options = std::move(options);
  s.table = std::make_shared<connection_table>(s.options.max_connections);
  s.shared = std::make_shared<transport_shared>(s.options.connections, s.options.body_budget_bytes,
                                                s.table);
  s.shared->counters = make_counters(s.options.metrics);
  s.shared->io = &s.io;
  if (s.options.metrics != nullptr) add_connection_metrics(*s.options.metrics, s.table);
}

http_server::~http_server() {
  stop();
}

std::optional<std::string> http_server::start(std::map<std::string, int> adopted, bool accept) {
  auto& s = *impl_;
  for (const auto& l : s.options.listeners) {
    auto ln = std::make_shared<listener>(s.io, l.name, l.routes, s.shared, s.options.metrics);
    auto fd = adopted.find(l.name);
    std::optional<std::string> err;
    if (fd != adopted.end()) {
      err = ln->adopt(fd->second);
      adopted.erase(fd);
      if (!err && l.port != 0 && ln->port() != l.port)
        log::event(spdlog::level::warn, "takeover.listener_kept",
                   {{"listener", l.name},
                    {"port", ln->port()},
                    {"configured_port", l.port},
                    {"detail",
                     "a takeover keeps the listening socket it took over; a new port takes "
                     "effect at a restart"}});
    } else {
      err = ln->open(l.bind, l.port);
    }
    if (err) {
      for (auto& [name, left] : adopted)
        ::close(left);
      return err;
    }
    s.listeners.push_back(ln);
  }
  for (auto& [name, left] : adopted)  // a listener this configuration no longer has
    ::close(left);
  s.work.emplace(asio::make_work_guard(s.io));
  for (size_t i = 0; i < std::max<size_t>(1, s.options.io_threads); ++i)
    s.threads.emplace_back([&io = s.io] { io.run(); });
  if (accept) start_accepting();
  return std::nullopt;
}

void http_server::start_accepting() {
  auto& s = *impl_;
  for (size_t i = 0; i < s.listeners.size(); ++i) {
    const auto& l = s.options.listeners[i];
    s.listeners[i]->start();
    log::event(spdlog::level::info, "http.listening",
               {{"listener", l.name},
                {"address", l.bind},
                {"port", s.listeners[i]->port()},
                {"max_connections", s.options.max_connections}});
  }
}

std::map<std::string, int> http_server::pause_accepting() {
  std::map<std::string, int> out;
  for (size_t i = 0; i < impl_->listeners.size(); ++i) {
    impl_->listeners[i]->pause();
    out[impl_->options.listeners[i].name] = impl_->listeners[i]->duplicate();
  }
  return out;
}

void http_server::resume_accepting() {
  for (auto& l : impl_->listeners)
    l->resume();
}

std::shared_ptr<stream_body> http_server::adopt_stream(const relay::handover_socket& from) {
  auto& s = *impl_;
  asio::ip::tcp::socket socket(s.io);
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(from.fd, reinterpret_cast<sockaddr*>(&addr), &len);
  asio::error_code ec;
  socket.assign(addr.ss_family == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), from.fd,
                ec);
  if (ec) {
    ::close(from.fd);
    return nullptr;
  }
  auto stream = socket_stream::adopt(std::move(socket), s.options.connections.write_timeout,
                                     s.table->admit().slot, from);
  stream->start();
  return stream;
}

uint16_t http_server::port(size_t index) const {
  return index < impl_->listeners.size() ? impl_->listeners[index]->port() : 0;
}

size_t http_server::open_connections() const {
  return impl_->table->open();
}

size_t http_server::idle_connections() const {
  return impl_->table->idle();
}

void http_server::stop_accepting() {
  for (auto& l : impl_->listeners)
    l->close();
}

void http_server::stop() {
  auto& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  stop_accepting();
  s.work.reset();
  s.io.stop();
  for (auto& t : s.threads)
    if (t.joinable()) t.join();
  s.threads.clear();
  s.listeners.clear();
}

}  // namespace acepool::http
