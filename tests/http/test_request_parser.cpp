#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/request_parser.hpp"
#include "http/response_wire.hpp"

using namespace acepool::http;
using event = request_parser::event;

namespace {

/// Feeds `bytes` in pieces of `piece` bytes; collects every complete request, acting on heads as
/// the connection does (nothing to refuse here).
struct fed {
  std::vector<std::shared_ptr<request>> requests;
  int heads = 0;
  bool failed = false;
  parse_failure failure = parse_failure::none;
};

fed feed_all(request_parser& p, const std::string& bytes, size_t piece) {
  fed out;
  size_t pos = 0;
  std::string pending;
  while (pos < bytes.size() || !pending.empty()) {
    if (pending.empty()) {
      pending = bytes.substr(pos, piece);
      pos += pending.size();
    }
    auto step = p.feed(pending.data(), pending.size());
    pending.erase(0, step.consumed);
    if (step.what == event::head) ++out.heads;
    if (step.what == event::complete) out.requests.push_back(p.take_request());
    if (step.what == event::failed) {
      out.failed = true;
      out.failure = p.failure();
      return out;
    }
  }
  return out;
}

const std::string three_requests =
    "GET /engines?x=1&y=%20 HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc\r\n\r\n"
    "POST /events/stream_started HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n{\"a\":\"b c\"}"
    "POST /provision HTTP/1.1\r\nTransfer-Encoding: "
    "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";

}  // namespace

TEST_CASE("pipelined requests come out one by one whatever the read boundaries") {
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, size_t{64}, three_requests.size()}) {
    request_parser p;
    auto got = feed_all(p, three_requests, piece);
    INFO("piece " << piece);
    REQUIRE_FALSE(got.failed);
    REQUIRE(got.requests.size() == 3);
    CHECK(got.heads == 3);  // every head is seen before its request completes
    CHECK(got.requests[0]->verb == method::get);
    CHECK(got.requests[0]->path == "/engines");
    CHECK(got.requests[0]->query == "x=1&y=%20");
    CHECK(got.requests[0]->header("x-request-id") == std::string_view("abc"));
    CHECK(got.requests[1]->body == "{\"a\":\"b c\"}");
    CHECK(got.requests[1]->declared_body_bytes == 11);
    CHECK(got.requests[2]->chunked_body);
    CHECK(got.requests[2]->body == "abcde");
  }
}

TEST_CASE("the head is reported before its body is read, with what a refusal needs") {
  request_parser p;
  std::string head = "PUT /x HTTP/1.1\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n";
  auto step = p.feed(head.data(), head.size());
  CHECK(step.what == event::head);
  CHECK(p.head_done());
  CHECK(p.in_request());
  CHECK(p.current().declared_body_bytes == 1000000);
  CHECK(p.expects_continue());
  CHECK(p.current().verb == method::put);
}

TEST_CASE("keep-alive follows the version and the Connection header") {
  struct probe {
    std::string text;
    bool keep_alive;
    int minor;
  };
  for (const auto& c : {probe{"GET / HTTP/1.1\r\n\r\n", true, 1},
                        probe{"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", false, 1},
                        probe{"GET / HTTP/1.0\r\n\r\n", false, 0},
                        probe{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true, 0},
                        probe{"GET / HTTP/1.9\r\n\r\n", true, 1}}) {
    request_parser p;
    auto got = feed_all(p, c.text, c.text.size());
    REQUIRE(got.requests.size() == 1);
    CHECK(p.keep_alive() == c.keep_alive);
    CHECK(got.requests[0]->http_minor == c.minor);
  }
}

TEST_CASE("absolute-form targets and fragments name the same path") {
  request_parser p;
  auto got = feed_all(p, "GET http://acepool:8000/health?a=1#frag HTTP/1.1\r\n\r\n", 100);
  REQUIRE(got.requests.size() == 1);
  CHECK(got.requests[0]->path == "/health");
  CHECK(got.requests[0]->query == "a=1");
}

TEST_CASE("limits and malformed input fail with the status the client gets") {
  struct probe {
    std::string text;
    int status;
  };
  request_limits small;
  small.max_target_bytes = 64;
  small.max_header_bytes = 256;
  small.max_header_count = 5;
  std::string many;
  for (int i = 0; i < 6; ++i)
    many += "X" + std::to_string(i) + ": v\r\n";
  for (const auto& c :
       {probe{"GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", 414},
        probe{"GET / HTTP/1.1\r\nA: " + std::string(300, 'b') + "\r\n\r\n", 431},
        probe{"GET / HTTP/1.1\r\n" + many + "\r\n", 431}, probe{"GET / HTTP/3.0\r\n\r\n", 505},
        probe{"BREW / HTTP/1.1\r\n\r\n", 400},
        probe{"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
        probe{"GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        probe{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400},
        probe{std::string("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 27), 400}}) {
    request_parser p(small);
    auto got = feed_all(p, c.text, 5);
    INFO(c.text.substr(0, 40));
    REQUIRE(got.failed);
    CHECK(status_of(got.failure) == c.status);
    CHECK_FALSE(p.failure_detail().empty());
    // A failed parser stays failed.
    CHECK(p.feed("GET / HTTP/1.1\r\n\r\n", 18).what == event::failed);
  }
}

TEST_CASE("a body above the limit set after the head fails with 413 as it arrives") {
  request_parser p;
  std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto step = p.feed(head.data(), head.size());
  REQUIRE(step.what == event::head);
  p.set_body_limit(4);
  // What the head step did not consume (the parser stops inside the head's last line) comes again.
  std::string body = head.substr(step.consumed) + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
  auto rest = p.feed(body.data(), body.size());
  CHECK(rest.what == event::failed);
  CHECK(p.failure() == parse_failure::body_too_large);
  CHECK(status_of(p.failure()) == 413);
}

TEST_CASE("answers are written with length, connection and no smuggled header lines") {
  response r = response::json(200, {{"a", 1}});
  r.headers.emplace_back("X-Echo", "evil\r\nSet-Cookie: x=1");
  auto bytes = serialize_response(r, {false, true, 1});
  CHECK(bytes.find("HTTP/1.1 200 OK\r\n") == 0);
  CHECK(bytes.find("X-Echo: evilSet-Cookie: x=1\r\n") != std::string::npos);
  CHECK(bytes.find("\r\nSet-Cookie") == std::string::npos);
  CHECK(bytes.find("Content-Length: 7\r\n") != std::string::npos);
  CHECK(bytes.find("Connection: close\r\n") != std::string::npos);
  CHECK(bytes.substr(bytes.size() - 7) == "{\"a\":1}");
  auto head = serialize_response(r, {true, false, 0});
  CHECK(head.find("HTTP/1.0 200 OK") == 0);
  CHECK(head.find("Connection: keep-alive\r\n") != std::string::npos);
  CHECK(head.substr(head.size() - 4) == "\r\n\r\n");  // HEAD: no body
  response none;
  none.status = 204;
  auto empty = serialize_response(none, {false, false, 1});
  CHECK(empty.find("Content-Length") == std::string::npos);
  CHECK(empty.find("Content-Type") == std::string::npos);
}

TEST_CASE("a shared body is counted in Content-Length and left for the connection to send") {
  static const std::string file(100000, 'f');
  response r;
  r.content_type = "text/css";
  r.shared_body = file;
  auto bytes = serialize_response(r, {false, false, 1});
  CHECK(bytes.find("Content-Length: 100000\r\n") != std::string::npos);
  CHECK(bytes.size() < 200);  // the head only: the file is not copied
  CHECK(shared_tail(r, {false, false, 1}).size() == 100000);
  CHECK(shared_tail(r, {true, false, 1}).empty());  // HEAD: no body follows
  r.status = 304;
  CHECK(shared_tail(r, {false, false, 1}).empty());
}

TEST_CASE("a second Host header is malformed, and trailers never become headers") {
  request_parser two;
  auto got = feed_all(two, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 100);
  REQUIRE(got.failed);
  CHECK(status_of(got.failure) == 400);
  request_parser chunked;
  auto req = feed_all(chunked,
                      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "2\r\n{}\r\n0\r\nX-Api-Key: smuggled\r\nHost: evil\r\n\r\n",
                      7);
  REQUIRE(req.requests.size() == 1);
  CHECK(req.requests[0]->body == "{}");
  CHECK_FALSE(req.requests[0]->header("X-Api-Key"));
  CHECK_FALSE(req.requests[0]->header("Host"));
}
