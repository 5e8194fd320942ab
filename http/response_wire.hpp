#pragma once

#include <string>

#include "http/http_message.hpp"

namespace acepool::http {

/// How one response goes out on its connection.
struct wire_options {
  bool head_only = false;  ///< the request was HEAD: the head says the length, no body follows
  bool close = false;      ///< the connection closes after this response
  int http_minor = 1;      ///< the request's HTTP/1.<minor>
};

/// Appends the status line, Content-Type and `headers` (CR and LF removed from names and values,
/// so no outside text can start a header of its own) without the terminating blank line.
void append_head(std::string& out, int http_minor, int status, const std::string& content_type,
                 const header_list& headers);

/// The bytes of `r`: head with Content-Length and Connection, then `body`. A `shared_body` is
/// counted in Content-Length but not copied: the caller sends it next (shared_tail()).
std::string serialize_response(const response& r, const wire_options& o);

/// What follows serialize_response()'s bytes on the wire: `r.shared_body`, when a body is sent.
std::string_view shared_tail(const response& r, const wire_options& o);

}  // namespace acepool::http
