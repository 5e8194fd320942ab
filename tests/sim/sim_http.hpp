#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <asio.hpp>

namespace acepool::sim {

/// One parsed HTTP/1.1 request.
struct request {
  std::string method;
  std::string target;
  std::string path;
  std::map<std::string, std::string> query;    ///< decoded; first value wins
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::string body;

  std::string header(const std::string& lower_name) const;
  bool has(const std::string& param) const { return query.count(param) > 0; }
  std::string param(const std::string& name) const;
};

/// A complete response.
struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class connection;
using request_handler = std::function<void(const std::shared_ptr<connection>&, request&)>;

/// One client connection: reads requests, hands each to the handler, which answers with reply(),
/// leaves it hanging with hang(), or takes the socket over for a stream.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(asio::ip::tcp::socket socket, request_handler& handler);
  void start();
  /// Writes the response, then reads the next request (keep-alive).
  void reply(response r);
  /// Never answers; the connection lives until the client closes it.
  void hang();
  /// Calls `on_close` once when the peer closes or resets the connection (while streaming).
  void watch_for_close(std::function<void()> on_close);
  asio::ip::tcp::socket& socket() { return socket_; }
  /// Closes the connection (with a TCP reset when `abort`).
  void close(bool abort = false);
  bool closed() const { return closed_; }

 private:
  void read_head();
  void read_body(size_t length);
  void dispatch();

  asio::ip::tcp::socket socket_;
  request_handler& handler_;
  asio::streambuf in_;
  request current_;
  bool closed_ = false;
};

/// Accepts connections on 0.0.0.0:port.
class http_server {
 public:
  http_server(asio::io_context& io, uint16_t port, request_handler handler);
  uint16_t port() const;

 private:
  void accept();
  asio::ip::tcp::acceptor acceptor_;
  request_handler handler_;
};

/// Percent-decodes `s` (`+` is a space); malformed escapes are kept as they are.
std::string url_decode(const std::string& s);

/// A response with a JSON body.
response json_response(int status, const std::string& body);

}  // namespace acepool::sim
