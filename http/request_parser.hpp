#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/http_message.hpp"

struct http_parser;  // the C library's parser state (http_parser.h)

namespace acepool::http {

/// What a request may be before acepool refuses to read it any further.
struct request_limits {
  size_t max_target_bytes = 8 << 10;   ///< request target (path and query); 414 above
  size_t max_header_bytes = 16 << 10;  ///< target, names and values together; 431 above
  size_t max_header_count = 100;       ///< 431 above
};

/// Why a request could not be read; each maps to one status and one `detail` text.
enum class parse_failure {
  none,
  malformed,            ///< 400: not HTTP/1.x (bad request line, header, chunk, length ...)
  target_too_long,      ///< 414
  headers_too_large,    ///< 431
  body_too_large,       ///< 413: more body than set_body_limit() allows
  unsupported_version,  ///< 505: a major version other than 1 (e.g. the HTTP/2 preface)
};

/// The HTTP status answering a parse_failure.
int status_of(parse_failure f);

/// Reads HTTP/1.x requests from a byte stream, one at a time, over the http_parser library.
/// Plain and single-threaded: the connection feeds what it read and acts on each step. Stops
/// after a request's head (so the caller can refuse it before its body is read) and after each
/// complete request (so pipelined requests are taken one by one); bytes after a stop are not
/// consumed and must be fed again.
class request_parser {
 public:
  explicit request_parser(request_limits limits = {});
  ~request_parser();
  request_parser(const request_parser&) = delete;
  request_parser& operator=(const request_parser&) = delete;

  enum class event {
    need_more,  ///< every byte was consumed; feed more
    head,       ///< the head of a request was read: request() has all but the body
    complete,   ///< a whole request was read: take_request()
    failed,     ///< see failure(); the connection must answer and close
  };
  struct step {
    size_t consumed = 0;
    event what = event::need_more;
  };

  /// Parses from `data`; stops at the first event.
  step feed(const char* data, size_t size);

  /// Where the requests come from: copied into every request as soon as it begins, so a head is
  /// judged with the same facts as the whole request.
  void set_origin(uint64_t connection_id, std::string peer_address, bool peer_is_loopback);

  /// Whether a request has begun (a byte of it was read) and is not complete.
  bool in_request() const { return started_ && !complete_; }
  /// Whether the head of the current request was read (its body may be in progress).
  bool head_done() const { return head_done_; }
  /// The request being read (complete after event::complete).
  const request& current() const { return *current_; }
  /// Takes the complete request; the parser then reads the next one.
  std::shared_ptr<request> take_request();
  /// The body bytes the current request may carry at most (set after its head).
  void set_body_limit(uint64_t bytes) { body_limit_ = bytes; }
  /// Why parsing stopped (event::failed).
  parse_failure failure() const { return failure_; }
  /// A short, client-safe explanation of the failure (for the 4xx `detail`).
  const std::string& failure_detail() const { return failure_detail_; }
  /// Whether the connection may carry another request after the current one (HTTP/1.1 without
  /// `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`).
  bool keep_alive() const { return keep_alive_; }
  /// Whether the current request asked for `Expect: 100-continue`.
  bool expects_continue() const { return expects_continue_; }

 private:
  struct callbacks;
  void fail(parse_failure f, std::string detail);
  void begin_request();

  request_limits limits_;
  uint64_t connection_id_ = 0;
  std::string peer_address_;
  bool peer_is_loopback_ = false;
  std::unique_ptr<::http_parser> parser_;
  std::shared_ptr<request> current_;
  std::string field_, target_;
  bool in_value_ = false;
  size_t header_bytes_ = 0;
  uint64_t body_limit_ = UINT64_MAX;
  bool started_ = false, head_done_ = false, complete_ = false;
  bool keep_alive_ = true, expects_continue_ = false;
  parse_failure failure_ = parse_failure::none;
  std::string failure_detail_;
};

}  // namespace acepool::http
