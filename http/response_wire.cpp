#include "http/response_wire.hpp"

namespace acepool::http {

namespace {

void append_clean(std::string& out, const std::string& text) {
  for (char c : text)
    if (c != '\r' && c != '\n') out += c;
}

// 1xx, 204 and 304 answers have no body and no Content-Length (RFC 9110 8.6).
bool has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

}  // namespace

// Swappable on purpose: the HTTP minor version is 0 or 1, a status is 100-599
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
void append_head(std::string& out, int http_minor, int status, const std::string& content_type,
                 const header_list& headers) {
  out += http_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  if (!content_type.empty()) {
    out += "Content-Type: ";
    append_clean(out, content_type);
    out += "\r\n";
  }
  for (const auto& [name, value] : headers) {
    append_clean(out, name);
    out += ": ";
    append_clean(out, value);
    out += "\r\n";
  }
}

std::string serialize_response(const response& r, const wire_options& o) {
  std::string out;
  bool body = has_body(r.status);
  out.reserve(256 + (body && !o.head_only ? r.body.size() : 0));
  append_head(out, o.http_minor, r.status, body ? r.content_type : std::string(), r.headers);
  if (body) {
    out += "Content-Length: ";
    out += std::to_string(r.body_size());
    out += "\r\n";
  }
  if (o.close)
    out += "Connection: close\r\n";
  else if (o.http_minor == 0)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (body && !o.head_only) out += r.body;
  return out;
}

std::string_view shared_tail(const response& r, const wire_options& o) {
  return has_body(r.status) && !o.head_only ? r.shared_body : std::string_view();
}

}  // namespace acepool::http
