#include "tests/sim/sim_http.hpp"

#include <algorithm>
#include <cctype>
#include <istream>

namespace acepool::sim {

namespace {

constexpr size_t max_head = 16 * 1024;
constexpr size_t max_body = 1 << 20;

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 302:
      return "Found";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

response json_response(int status, const std::string& body) {
  response r;
  r.status = status;
  r.body = body;
  return r;
}

std::string request::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string request::param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

connection::connection(asio::ip::tcp::socket socket, request_handler& handler)
    : socket_(std::move(socket)), handler_(handler) {}

void connection::start() {
  read_head();
}

void connection::read_head() {
  auto self = shared_from_this();
  asio::async_read_until(socket_, in_, "\r\n\r\n", [self](const asio::error_code& ec, size_t n) {
    if (ec || n > max_head) {
      self->close();
      return;
    }
    std::string head(asio::buffers_begin(self->in_.data()),
                     asio::buffers_begin(self->in_.data()) + static_cast<long>(n));
    self->in_.consume(n);
    request r;
    auto line_end = head.find("\r\n");
    auto line = head.substr(0, line_end);
    auto sp1 = line.find(' ');
    auto sp2 = line.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) {
      self->close();
      return;
    }
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = r.target.find('?');
    r.path = url_decode(r.target.substr(0, q));
    if (q != std::string::npos) {
      std::string qs = r.target.substr(q + 1);
      size_t start = 0;
      while (start <= qs.size()) {
        auto amp = qs.find('&', start);
        auto item = qs.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        if (!item.empty()) {
          auto eq = item.find('=');
          auto key = url_decode(item.substr(0, eq));
          if (!r.query.count(key))
            r.query[key] = eq == std::string::npos ? "" : url_decode(item.substr(eq + 1));
        }
        if (amp == std::string::npos) break;
        start = amp + 1;
      }
    }
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos || end == pos) break;
      auto h = head.substr(pos, end - pos);
      auto colon = h.find(':');
      if (colon != std::string::npos) {
        auto value = h.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        r.headers[lower(h.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    self->current_ = std::move(r);
    size_t length = 0;
    auto cl = self->current_.header("content-length");
    if (!cl.empty()) length = std::strtoul(cl.c_str(), nullptr, 10);
    if (length > max_body) {
      self->close();
      return;
    }
    self->read_body(length);
  });
}

void connection::read_body(size_t length) {
  auto self = shared_from_this();
  if (in_.size() >= length) {
    current_.body.assign(asio::buffers_begin(in_.data()),
                         asio::buffers_begin(in_.data()) + static_cast<long>(length));
    in_.consume(length);
    dispatch();
    return;
  }
  asio::async_read(socket_, in_, asio::transfer_at_least(length - in_.size()),
                   [self, length](const asio::error_code& ec, size_t) {
                     if (ec) {
                       self->close();
                       return;
                     }
                     self->read_body(length);
                   });
}

void connection::dispatch() {
  handler_(shared_from_this(), current_);
}

void connection::reply(response r) {
  if (closed_) return;
  auto text = std::make_shared<std::string>();
  *text = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  if (!r.body.empty() || r.status != 302) *text += "Content-Type: " + r.content_type + "\r\n";
  *text += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  for (const auto& [k, v] : r.headers)
    *text += k + ": " + v + "\r\n";
  *text += "\r\n" + r.body;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(*text), [self, text](const asio::error_code& ec, size_t) {
    if (ec) {
      self->close();
      return;
    }
    self->read_head();
  });
}

void connection::hang() {
  watch_for_close([] {});
}

void connection::watch_for_close(std::function<void()> on_close) {
  auto self = shared_from_this();
  auto buf = std::make_shared<std::array<char, 512>>();
  socket_.async_read_some(
      asio::buffer(*buf), [self, buf, on_close](const asio::error_code& ec, size_t) {
        if (ec) {
          self->close();
          on_close();
          return;
        }
        self->watch_for_close(on_close);  // ignore anything the client sends while streaming
      });
}

void connection::close(bool abort) {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  if (abort)
    socket_.set_option(asio::socket_base::linger(true, 0), ec);
  else
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

http_server::http_server(asio::io_context& io, uint16_t port, request_handler handler)
    : acceptor_(io), handler_(std::move(handler)) {
  asio::ip::tcp::endpoint ep(asio::ip::address_v4::any(), port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(1024);
  accept();
}

uint16_t http_server::port() const {
  return acceptor_.local_endpoint().port();
}

void http_server::accept() {
  acceptor_.async_accept([this](const asio::error_code& ec, asio::ip::tcp::socket s) {
    if (!ec) {
      asio::error_code ignored;
      s.set_option(asio::ip::tcp::no_delay(true), ignored);
      std::make_shared<connection>(std::move(s), handler_)->start();
    }
    if (acceptor_.is_open()) accept();
  });
}

}  // namespace acepool::sim
