#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace acepool::http {

/// HTTP methods the router knows; anything else is `other` (answered 405).
enum class method { get, post, put, del, patch, head, options, other };

/// Upper-case method name (`DELETE` for del).
const char* method_name(method m);

/// Parses a method token (`GET`, ...); unknown tokens give `other`.
method parse_method(std::string_view text);

using header_list = std::vector<std::pair<std::string, std::string>>;

/// A received request, independent of the HTTP library.
struct request {
  method verb = method::get;
  std::string method_text;
  std::string path;   ///< raw, not percent-decoded
  std::string query;  ///< raw query string without `?`
  header_list headers;
  std::string body;
  uint64_t connection_id = 0;
  int http_minor = 1;                ///< HTTP/1.<minor>
  uint64_t declared_body_bytes = 0;  ///< Content-Length (0 for chunked or no body)
  bool chunked_body = false;         ///< Transfer-Encoding: chunked
  std::string peer_address;          ///< the client's address, without port
  bool peer_is_loopback = false;     ///< the client connected from 127.0.0.0/8 or ::1

  /// The first header called `name` (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
};

/// A complete (non-streaming) response.
struct response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  header_list headers;
  std::string body;
  /// Bytes shared by many answers (files built into the binary, the OpenAPI document), sent after
  /// `body` without a copy: a client that pipelines requests for a large file and never reads
  /// cannot make acepool hold a copy per request. Valid while `shared_owner` lives (nothing for
  /// bytes that live as long as the process).
  std::string_view shared_body;
  std::shared_ptr<const void> shared_owner;

  /// The size of everything after the head.
  size_t body_size() const { return body.size() + shared_body.size(); }

  /// A JSON response.
  static response json(int status, const nlohmann::json& body);
  /// A JSON response whose body is already serialised.
  static response raw_json(int status, std::string body);
  /// `{"detail": "<text>"}` with the status.
  static response error(int status, std::string_view detail);
  /// `{"detail": <object or array>}` with the status.
  static response error_detail(int status, const nlohmann::json& detail);
  /// A redirect (`status` 3xx) to `location`, without a body.
  static response redirect(int status, std::string location);
};

/// Standard reason phrase of a status code (`Unprocessable Entity`).
const char* reason_phrase(int status);

/// True when `a` equals `b` ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

}  // namespace acepool::http
