#include "http/listener.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <future>

#include <asio/bind_executor.hpp>
#include <asio/post.hpp>

#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::http {

namespace {

constexpr std::chrono::milliseconds first_backoff{10};
constexpr std::chrono::milliseconds max_backoff{1000};
constexpr std::chrono::seconds error_log_interval{10};

// Out of descriptors or memory: retrying at once would spin; a short wait lets connections
// close. Other errors (a peer that aborted during the handshake) concern one connection only.
bool is_resource_shortage(const asio::error_code& ec) {
  auto v = ec.value();
  return ec.category() == asio::system_category() &&
         (v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM);
}

std::string error_label(const asio::error_code& ec) {
  switch (ec.value()) {
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ENOBUFS:
      return "ENOBUFS";
    case ENOMEM:
      return "ENOMEM";
    case ECONNABORTED:
      return "ECONNABORTED";
    default:
      return "other";
  }
}

std::optional<asio::ip::address> bind_address(const std::string& text) {
  if (text == "localhost") return asio::ip::address_v4::loopback();
  asio::error_code ec;
  auto a = asio::ip::make_address(text, ec);
  if (ec) return std::nullopt;
  return a;
}

}  // namespace

listener::listener(asio::io_context& io, std::string name, std::shared_ptr<const router> routes,
                   std::shared_ptr<transport_shared> shared, metrics::registry* metrics)
    : strand_(asio::make_strand(io)),
      acceptor_(strand_),
      backoff_timer_(strand_),
      name_(std::move(name)),
      routes_(std::move(routes)),
      shared_(std::move(shared)),
      metrics_(metrics) {
  if (metrics_ != nullptr) {
    for (const char* e : {"EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "ECONNABORTED", "other"})
      metrics_->counter(metrics::http_accept_errors, {{"listener", name_}, {"error", e}});
  }
}

std::optional<std::string> listener::open(const std::string& address, uint16_t port) {
  auto fail = [&](const std::string& why) {
    return "cannot listen on " + address + ":" + std::to_string(port) + " (" + name_ + "): " + why;
  };
  auto ip = bind_address(address);
  if (!ip) return fail("not an IP address");
  asio::ip::tcp::endpoint endpoint(*ip, port);
  asio::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return fail(ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return std::nullopt;
}

std::optional<std::string> listener::adopt(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)) {
    ::close(fd);
    return "listener " + name_ + ": the socket handed over is not a TCP socket";
  }
  asio::error_code ec;
  acceptor_.assign(addr.ss_family == AF_INET ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), fd, ec);
  if (ec) {
    ::close(fd);
    return "listener " + name_ + ": " + ec.message();
  }
  port_ = acceptor_.local_endpoint(ec).port();
  return std::nullopt;
}

void listener::pause() {
  std::promise<void> paused;
  auto done = paused.get_future();
  asio::post(strand_, [self = shared_from_this(), &paused] {
    self->paused_ = true;
    asio::error_code ignored;
    self->backoff_timer_.cancel();
    self->acceptor_.cancel(ignored);
    paused.set_value();
  });
  done.wait();
}

void listener::resume() {
  asio::post(strand_, [self = shared_from_this()] {
    if (!self->paused_) return;
    self->paused_ = false;
    self->accept_next();
  });
}

int listener::duplicate() const {
  auto fd = const_cast<asio::ip::tcp::acceptor&>(acceptor_).native_handle();
  return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

void listener::start() {
  asio::post(strand_, [self = shared_from_this()] { self->accept_next(); });
}

void listener::close() {
  asio::post(strand_, [self = shared_from_this()] {
    self->closed_ = true;
    asio::error_code ignored;
    self->backoff_timer_.cancel();
    self->acceptor_.close(ignored);
  });
}

void listener::accept_next() {
  if (closed_ || paused_) return;
  // Connections run on the io_context (each makes its own strand), not on the listener's strand.
  acceptor_.async_accept(
      strand_.get_inner_executor(),
      asio::bind_executor(strand_, [self = shared_from_this()](const asio::error_code& ec,
                                                               asio::ip::tcp::socket socket) {
        self->on_accept(ec, std::move(socket));
      }));
}

void listener::on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (closed_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted && paused_) return;
    on_accept_error(ec);
    return;
  }
  backoff_ = std::chrono::milliseconds{0};
  auto admitted = shared_->table->admit();
  if (!admitted.slot) {
    asio::error_code ignored;
    socket.close(ignored);
  } else {
    auto conn = std::make_shared<connection>(std::move(socket), routes_, shared_,
                                             std::move(admitted.slot), admitted.refuse);
    if (!admitted.refuse) {
      std::weak_ptr<connection> weak = conn;
      shared_->table->track(admitted.id, conn->idle_clock(), [weak] {
        if (auto c = weak.lock()) c->evict();
      });
    }
    conn->start();
  }
  accept_next();
}

void listener::on_accept_error(const asio::error_code& ec) {
  if (ec == asio::error::operation_aborted && closed_) return;
  if (metrics_ != nullptr)
    metrics_
        ->counter(metrics::http_accept_errors, {{"listener", name_}, {"error", error_label(ec)}})
        .inc();
  bool shortage = is_resource_shortage(ec);
  if (shortage)
    backoff_ = backoff_.count() == 0 ? first_backoff : std::min(backoff_ * 2, max_backoff);
  ++errors_since_log_;
  auto now = std::chrono::steady_clock::now();
  if (now - last_error_log_ >= error_log_interval) {
    log::event(spdlog::level::warn, "http.accept_failed",
               {{"listener", name_},
                {"error", ec.message()},
                {"errors_since_last_log", errors_since_log_},
                {"retry_in_ms", shortage ? backoff_.count() : 0},
                {"open_connections", shared_->table->open()}});
    last_error_log_ = now;
    errors_since_log_ = 0;
  }
  if (!shortage) {
    accept_next();
    return;
  }
  backoff_timer_.expires_after(backoff_);
  backoff_timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
    if (!e) self->accept_next();
  });
}

}  // namespace acepool::http
