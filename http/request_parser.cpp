#include "http/request_parser.hpp"

#include <http_parser.h>

namespace acepool::http {

int status_of(parse_failure f) {
  switch (f) {
    case parse_failure::target_too_long:
      return 414;
    case parse_failure::headers_too_large:
      return 431;
    case parse_failure::body_too_large:
      return 413;
    case parse_failure::unsupported_version:
      return 505;
    case parse_failure::malformed:
    case parse_failure::none:
      break;
  }
  return 400;
}

namespace {

// Absolute-form targets (`GET http://host/path HTTP/1.1`, RFC 9112 3.2.2) name the same
// resource as their path.
std::string_view origin_form(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      auto slash = target.find('/', scheme.size());
      return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  return target;
}

}  // namespace

struct request_parser::callbacks {
  static request_parser& self(http_parser* p) { return *static_cast<request_parser*>(p->data); }

  static int on_message_begin(http_parser* p) {
    self(p).begin_request();
    return 0;
  }

  static int on_url(http_parser* p, const char* at, size_t n) {
    auto& s = self(p);
    s.header_bytes_ += n;
    if (s.target_.size() + n > s.limits_.max_target_bytes) {
      s.fail(parse_failure::target_too_long, "the request target is longer than " +
                                                 std::to_string(s.limits_.max_target_bytes) +
                                                 " bytes");
      return -1;
    }
    s.target_.append(at, n);
    return 0;
  }

  static int on_header_field(http_parser* p, const char* at, size_t n) {
    auto& s = self(p);
    if (s.head_done_) return 0;  // a chunked body's trailer: never a header of the request
    if (!count(s, n)) return -1;
    if (s.in_value_ || s.current_->headers.empty()) {
      if (s.current_->headers.size() >= s.limits_.max_header_count) {
        s.fail(parse_failure::headers_too_large,
               "more than " + std::to_string(s.limits_.max_header_count) + " header fields");
        return -1;
      }
      s.current_->headers.emplace_back();
      s.in_value_ = false;
    }
    s.current_->headers.back().first.append(at, n);
    return 0;
  }

  static int on_header_value(http_parser* p, const char* at, size_t n) {
    auto& s = self(p);
    if (s.head_done_) return 0;
    if (!count(s, n)) return -1;
    if (s.current_->headers.empty()) s.current_->headers.emplace_back();
    s.in_value_ = true;
    s.current_->headers.back().second.append(at, n);
    return 0;
  }

  static int on_headers_complete(http_parser* p) {
    auto& s = self(p);
    auto& r = *s.current_;
    if (p->http_major != 1) {
      s.fail(parse_failure::unsupported_version, "only HTTP/1.x is served");
      return -1;
    }
    int hosts = 0;
    for (const auto& [name, value] : r.headers)
      if (iequals(name, "Host")) ++hosts;
    if (hosts > 1) {  // RFC 9112 3.2: which one would the checks have judged?
      s.fail(parse_failure::malformed, "malformed request: more than one Host header");
      return -1;
    }
    r.method_text = http_method_str(static_cast<http_method>(p->method));
    r.verb = parse_method(r.method_text);
    r.http_minor = p->http_minor == 0 ? 0 : 1;  // a later 1.x is answered as 1.1 (RFC 9112)
    auto target = origin_form(s.target_);
    target = target.substr(0, target.find('#'));
    auto q = target.find('?');
    r.path.assign(target.substr(0, q));
    if (q != std::string_view::npos) r.query.assign(target.substr(q + 1));
    r.chunked_body = (p->flags & F_CHUNKED) != 0;
    r.declared_body_bytes = (p->flags & F_CONTENTLENGTH) != 0 ? p->content_length : 0;
    s.keep_alive_ = http_should_keep_alive(p) != 0 && p->upgrade == 0;
    auto expect = r.header("Expect");
    s.expects_continue_ = expect && iequals(*expect, "100-continue");
    s.head_done_ = true;
    http_parser_pause(p, 1);
    return 0;
  }

  static int on_body(http_parser* p, const char* at, size_t n) {
    auto& s = self(p);
    auto& body = s.current_->body;
    if (body.size() + n > s.body_limit_) {
      s.fail(parse_failure::body_too_large,
             "the request body exceeds " + std::to_string(s.body_limit_) + " bytes");
      return -1;
    }
    body.append(at, n);
    return 0;
  }

  static int on_message_complete(http_parser* p) {
    auto& s = self(p);
    s.complete_ = true;
    // An upgraded connection carries another protocol after this request: it closes instead.
    if (p->upgrade) s.keep_alive_ = false;
    http_parser_pause(p, 1);
    return 0;
  }

  static bool count(request_parser& s, size_t n) {
    s.header_bytes_ += n;
    if (s.header_bytes_ <= s.limits_.max_header_bytes) return true;
    s.fail(
        parse_failure::headers_too_large,
        "the request head is larger than " + std::to_string(s.limits_.max_header_bytes) + " bytes");
    return false;
  }

  static const http_parser_settings& settings() {
    static const http_parser_settings table = [] {
      http_parser_settings t;
      http_parser_settings_init(&t);
      t.on_message_begin = on_message_begin;
      t.on_url = on_url;
      t.on_header_field = on_header_field;
      t.on_header_value = on_header_value;
      t.on_headers_complete = on_headers_complete;
      t.on_body = on_body;
      t.on_message_complete = on_message_complete;
      return t;
    }();
    return table;
  }
};

request_parser::request_parser(request_limits limits)
    : limits_(limits), parser_(std::make_unique<http_parser>()) {
  http_parser_init(parser_.get(), HTTP_REQUEST);
  parser_->data = this;
  current_ = std::make_shared<request>();
}

request_parser::~request_parser() = default;

void request_parser::set_origin(uint64_t connection_id, std::string peer_address,
                                bool peer_is_loopback) {
  connection_id_ = connection_id;
  peer_address_ = std::move(peer_address);
  peer_is_loopback_ = peer_is_loopback;
}

void request_parser::begin_request() {
  current_ = std::make_shared<request>();
  current_->connection_id = connection_id_;
  current_->peer_address = peer_address_;
  current_->peer_is_loopback = peer_is_loopback_;
  target_.clear();
  in_value_ = false;
  header_bytes_ = 0;
  body_limit_ = UINT64_MAX;
  started_ = true;
  head_done_ = complete_ = false;
  expects_continue_ = false;
}

void request_parser::fail(parse_failure f, std::string detail) {
  if (failure_ != parse_failure::none) return;
  failure_ = f;
  failure_detail_ = std::move(detail);
}

std::shared_ptr<request> request_parser::take_request() {
  auto out = std::move(current_);
  current_ = std::make_shared<request>();
  started_ = head_done_ = complete_ = false;
  return out;
}

request_parser::step request_parser::feed(const char* data, size_t size) {
  step out;
  if (failure_ != parse_failure::none) {
    out.what = event::failed;
    return out;
  }
  if (complete_) {  // the previous request was not taken yet
    out.what = event::complete;
    return out;
  }
  if (size == 0) return out;
  http_parser_pause(parser_.get(), 0);
  out.consumed = http_parser_execute(parser_.get(), &callbacks::settings(), data, size);
  auto err = static_cast<http_errno>(parser_->http_errno);
  if (err == HPE_PAUSED) {
    // Paused by on_headers_complete (a head, always reported before its request completes)
    // or by on_message_complete.
    out.what = complete_ ? event::complete : event::head;
    return out;
  }
  if (err != HPE_OK) {
    fail(parse_failure::malformed,
         std::string("malformed request: ") + http_errno_description(err));
    out.what = event::failed;
  }
  return out;
}

}  // namespace acepool::http
