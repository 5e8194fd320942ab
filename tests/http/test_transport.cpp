// The HTTP transport against real sockets: pipelining, malformed and oversized requests, slow
// clients, the connection cap, the body budget and accept errors. A client here writes exactly
// the bytes it wants and reads exactly what came back.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/router.hpp"
#include "http/server.hpp"
#include "support/metrics_registry.hpp"
#include "tests/common/api_server.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/raw_connection.hpp"

using namespace acepool;
using namespace acepool::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// A server with a few plain routes and no actors, with transport options of the test's own.
struct bare_server {
  metrics::registry metrics;
  std::shared_ptr<http::router> routes;
  std::unique_ptr<http::http_server> server;
  std::shared_ptr<std::atomic<int>> echoes = std::make_shared<std::atomic<int>>(0);

  explicit bare_server(http::server_options o = {}, http::router_options ro = {}) {
    routes = std::make_shared<http::router>(std::move(ro), &metrics);
    routes->add(http::method::get, "/hello", http::access::open, {}, [](http::call& c) {
      c.reply.send(http::response::json(200, {{"hello", "world"}}));
    });
    routes->add(
        http::method::post, "/echo", http::access::write, {}, [echoes = echoes](http::call& c) {
          ++*echoes;
          c.reply.send(http::response::raw_json(200, json{{"bytes", c.req->body.size()}}.dump()));
        });
    // A large body shared by every answer (as the files of /docs are).
    routes->add(http::method::get, "/shared", http::access::open, {}, [](http::call& c) {
      static const std::string file = [] {
        std::string f;
        for (int i = 0; i < 300000; ++i)
          f += static_cast<char>('a' + i % 26);
        return f;
      }();
      http::response r;
      r.content_type = "text/plain";
      r.body = "<";
      r.shared_body = file;
      c.reply.send(std::move(r));
    });
    // Answers after a delay, from another thread: the pipelined answer after it must wait.
    routes->add(http::method::get, "/slow", http::access::open, {}, [this](http::call& c) {
      std::lock_guard<std::mutex> lock(answerers_mutex);
      answerers.emplace_back([reply = c.reply]() mutable {
        std::this_thread::sleep_for(150ms);
        reply.send(http::response::json(200, {{"slow", true}}));
        reply = {};  // the last reference to the connection goes before the thread ends
      });
    });
    o.listeners.push_back({"api", "127.0.0.1", 0, routes});
    o.metrics = &metrics;
    server = std::make_unique<http::http_server>(std::move(o));
    REQUIRE_FALSE(server->start());
  }
  ~bare_server() {
    // A connection an answering thread still holds must not outlive the server's io_context.
    std::lock_guard<std::mutex> lock(answerers_mutex);
    for (auto& t : answerers)
      t.join();
    server->stop();
  }
  std::mutex answerers_mutex;
  std::vector<std::thread> answerers;
  uint16_t port() const { return server->port(); }
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

json detail_of(const wire_response& r) {
  return json::parse(r.body, nullptr, false)["detail"];
}

double metric(bare_server& s, const std::string& series) {
  auto text = s.metrics.render();
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("pipelined requests are answered in order, each exactly once") {
  bare_server s;
  for (int n : {2, 3, 16}) {
    raw_connection c(s.port());
    std::string batch;
    for (int i = 0; i < n; ++i)
      batch += get(i % 3 == 1 ? "/slow" : (i % 3 == 2 ? "/missing" : "/hello"));
    REQUIRE(c.send(batch));
    auto answers = c.read_responses(n, 5s);
    REQUIRE(answers.size() == static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
      CHECK(answers[i].status == (i % 3 == 1 ? 200 : (i % 3 == 2 ? 404 : 200)));
    CHECK(json::parse(answers[1].body)["slow"] == true);
    CHECK_FALSE(c.wait_closed(200ms));  // kept alive for more
  }
}

TEST_CASE("pipelined answers with a shared body arrive whole and in order") {
  bare_server s;
  raw_connection c(s.port());
  REQUIRE(c.send(get("/shared") + get("/hello") + get("/shared")));
  auto answers = c.read_responses(3, 10s);
  REQUIRE(answers.size() == 3);
  for (size_t i : {0u, 2u}) {
    CHECK(answers[i].status == 200);
    REQUIRE(answers[i].body.size() == 300001);
    CHECK(answers[i].body.substr(0, 4) == "<abc");
    CHECK(answers[i].body.substr(answers[i].body.size() - 2) == "kl");  // bytes 299998, 299999
  }
  CHECK(json::parse(answers[1].body)["hello"] == "world");
}

TEST_CASE("a pipelined Connection: close ends the connection after its own answer") {
  bare_server s;
  raw_connection c(s.port());
  REQUIRE(c.send(get("/slow") + get("/hello", "Connection: close\r\n") + get("/hello")));
  auto bytes = c.read_until_close(5s);
  auto answers = split_responses(bytes);
  REQUIRE(answers.size() == 2);
  CHECK(json::parse(answers[0].body)["slow"] == true);
  CHECK(answers[1].header("Connection") == "close");
  CHECK(c.peer_closed());
}

TEST_CASE("a client that closes its sending side after its requests still gets every answer") {
  bare_server s;
  raw_connection c(s.port());
  REQUIRE(c.send(get("/slow") + get("/hello")));
  c.shutdown_send();
  auto answers = split_responses(c.read_until_close(3s));
  REQUIRE(answers.size() == 2);
  CHECK(json::parse(answers[0].body)["slow"] == true);
  CHECK(c.peer_closed());
}

TEST_CASE("malformed requests get 400 with a JSON detail, then the connection closes") {
  bare_server s;
  for (std::string bad :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /hello HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: x\r\n\r\n"),
        std::string("GET /he\x01llo HTTP/1.1\r\n\r\n"),
        std::string("POST /echo HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                    "chunked\r\n\r\nzz\r\n")}) {
    raw_connection c(s.port());
    REQUIRE(c.send(bad));
    auto answers = split_responses(c.read_until_close(3s));
    INFO(bad);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 400);
    CHECK(detail_of(answers[0]).get<std::string>().find("malformed request") == 0);
    CHECK(answers[0].header("Connection") == "close");
    CHECK(c.peer_closed());
  }
  CHECK(metric(s, R"(acepool_http_refused_requests_total{reason="malformed"})") == 5);
}

TEST_CASE("a request answered before the malformed one still gets its answer first") {
  bare_server s;
  raw_connection c(s.port());
  REQUIRE(c.send(get("/slow") + "NOT HTTP AT ALL\r\n\r\n"));
  auto answers = split_responses(c.read_until_close(3s));
  REQUIRE(answers.size() == 2);
  CHECK(answers[0].status == 200);
  CHECK(answers[1].status == 400);
}

TEST_CASE("oversized targets and heads get 414 and 431, another major version 505") {
  bare_server s;
  struct probe {
    std::string bytes;
    int status;
  };
  for (const auto& p : {probe{get("/" + std::string(9000, 'a')), 414},
                        probe{get("/hello", "X-Big: " + std::string(20000, 'b') + "\r\n"), 431},
                        probe{get("/hello",
                                  [] {
                                    std::string many;
                                    for (int i = 0; i < 150; ++i)
                                      many += "X-" + std::to_string(i) + ": 1\r\n";
                                    return many;
                                  }()),
                              431},
                        probe{"GET /hello HTTP/2.0\r\n\r\n", 505}}) {
    raw_connection c(s.port());
    REQUIRE(c.send(p.bytes));
    auto answers = split_responses(c.read_until_close(3s));
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == p.status);
    CHECK(detail_of(answers[0]).is_string());
  }
}

TEST_CASE("a body above MAX_BODY_BYTES is refused with 413 before it is sent") {
  http::router_options ro;
  ro.max_body_bytes = 1024;
  bare_server s({}, ro);
  raw_connection c(s.port());
  // Only the head: the answer must come without waiting for a gigabyte.
  REQUIRE(c.send(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
      "1073741824\r\n\r\n"));
  auto answers = c.read_responses(1, 3s);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 413);
  CHECK(detail_of(answers[0]) == "request body of 1073741824 bytes exceeds MAX_BODY_BYTES (1024)");
  CHECK(c.wait_closed(3s));
  // A chunked body is counted as it arrives.
  raw_connection chunked(s.port());
  REQUIRE(
      chunked.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                   "application/json\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                   std::string(2048, 'x') + "\r\n0\r\n\r\n"));
  auto refused = split_responses(chunked.read_until_close(3s));
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].status == 413);
}

TEST_CASE("a write route without credentials is refused before its body is read") {
  http::router_options ro;
  ro.api_key = "k";
  bare_server s({}, ro);
  raw_connection c(s.port());
  REQUIRE(c.send(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
      "500000\r\n\r\nabc"));
  auto answers = c.read_responses(1, 3s);
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 401);
  CHECK(*s.echoes == 0);  // a request refused from its head never reaches its handler
  raw_connection ok(s.port());
  REQUIRE(ok.send(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: "
      "Bearer k\r\nContent-Length: "
      "5\r\n\r\nhello"));
  auto good = ok.read_responses(1, 3s);
  REQUIRE(good.size() == 1);
  CHECK(json::parse(good[0].body)["bytes"] == 5);
}

TEST_CASE("Expect: 100-continue gets the interim answer, then the final one") {
  bare_server s;
  raw_connection c(s.port());
  REQUIRE(c.send(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
      "3\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_responses(1, 3s);
  REQUIRE(interim.size() == 1);
  CHECK(interim[0].status == 100);
  REQUIRE(c.send("abc"));
  auto final = c.read_responses(1, 3s);
  REQUIRE(final.size() == 1);
  CHECK(json::parse(final[0].body)["bytes"] == 3);
}

TEST_CASE("HTTP/1.0 is answered in HTTP/1.0 and closed, HEAD gets the GET's head only") {
  bare_server s;
  raw_connection c(s.port());
  REQUIRE(c.send("GET /hello HTTP/1.0\r\n\r\n"));
  auto answers = split_responses(c.read_until_close(3s));
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].version == "HTTP/1.0");
  CHECK(c.peer_closed());
  raw_connection head(s.port());
  REQUIRE(head.send("HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  auto bytes = head.read_until_close(3s);
  auto heads = split_responses(bytes, nullptr, true);
  REQUIRE(heads.size() == 1);
  CHECK(heads[0].status == 200);  // the GET's answer, without its body
  // The length of the body a GET would get: {"hello":"world"}.
  CHECK(heads[0].header("Content-Length") == "17");
  CHECK(bytes.size() == bytes.find("\r\n\r\n") + 4);  // no body bytes after the head
}

TEST_CASE("slow heads and bodies get 408, idle connections are closed, all on their deadlines") {
  http::server_options o;
  o.connections.header_timeout = 300ms;
  o.connections.body_timeout = 300ms;
  o.connections.idle_timeout = 300ms;
  bare_server s(o);
  raw_connection slow_head(s.port());
  REQUIRE(slow_head.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n"));  // never finished
  auto a = split_responses(slow_head.read_until_close(3s));
  REQUIRE(a.size() == 1);
  CHECK(a[0].status == 408);
  CHECK(detail_of(a[0]) ==
        "the request head was not received within HTTP_HEADER_TIMEOUT_S (0.3 s)");
  raw_connection slow_body(s.port());
  REQUIRE(
      slow_body.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nContent-Length: 10\r\n\r\nabc"));
  auto b = split_responses(slow_body.read_until_close(3s));
  REQUIRE(b.size() == 1);
  CHECK(b[0].status == 408);
  raw_connection silent(s.port());  // connects and never sends a byte
  CHECK(silent.read_until_close(3s).empty());
  CHECK(silent.peer_closed());
  raw_connection idle(s.port());
  REQUIRE(idle.send(get("/hello")));
  CHECK(idle.read_responses(1, 3s).size() == 1);
  CHECK(idle.wait_closed(3s));
  CHECK(metric(s, R"(acepool_http_refused_requests_total{reason="header_timeout"})") == 1);
  CHECK(metric(s, R"(acepool_http_refused_requests_total{reason="body_timeout"})") == 1);
}

TEST_CASE("at MAX_CONNECTIONS an idle connection makes room, busy ones get 503 beyond the cap") {
  http::server_options o;
  o.max_connections = 3;
  bare_server s(o);
  std::vector<std::unique_ptr<raw_connection>> idle;
  for (size_t i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<raw_connection>(s.port()));
    REQUIRE(idle.back()->send(get("/hello")));
    REQUIRE(idle.back()->read_responses(1, 3s).size() == 1);
    // Idle once the server has finished writing the answer (the client may read it earlier,
    // and the io threads may finish the writes of several connections in any order): one at a
    // time, so "idle longest" is this order.
    REQUIRE(eventually([&] { return s.server->idle_connections() == i + 1; }, 10s));
  }
  raw_connection fourth(s.port());
  REQUIRE(fourth.send(get("/hello")));
  auto served = fourth.read_responses(1, 3s);
  REQUIRE(served.size() == 1);
  CHECK(served[0].status == 200);
  CHECK(idle[0]->wait_closed(3s));  // the one idle longest was closed for it
  REQUIRE(eventually(
      [&] { return s.server->open_connections() == 3 && s.server->idle_connections() == 3; },
      10s));  // fourth idle too, after the two left
  // Now three connections in the middle of a request, each taking the place of an idle one
  // (checked step by step: a connection counts as idle until the server has read its first
  // bytes, and an evicted one holds its place until it has closed).
  std::vector<std::unique_ptr<raw_connection>> busy;
  for (size_t i = 0; i < 3; ++i) {
    busy.push_back(std::make_unique<raw_connection>(s.port()));
    REQUIRE(busy.back()->send("GET /hello HTTP/1.1\r\n"));
    INFO("busy connection " << i);
    bool settled = eventually(
        [&] { return s.server->open_connections() == 3 && s.server->idle_connections() == 2 - i; },
        10s);
    INFO("open " << s.server->open_connections() << ", idle " << s.server->idle_connections());
    REQUIRE(settled);
  }
  CHECK(fourth.wait_closed(3s));  // idle longest by then
  raw_connection over(s.port());
  REQUIRE(over.send(get("/hello")));
  auto refused = split_responses(over.read_until_close(3s));
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].status == 503);
  CHECK(detail_of(refused[0]).get<std::string>().find("MAX_CONNECTIONS") != std::string::npos);
  // The refused connection is counted until its lingering close ends (the client already saw
  // the end of the answer): the count settles back to the cap.
  CHECK(eventually([&] { return s.server->open_connections() <= 3; }, 5s));
}

TEST_CASE("request bodies beyond the body budget get 503 instead of memory") {
  http::server_options o;
  o.body_budget_bytes = 4096;
  bare_server s(o);
  raw_connection first(s.port());
  REQUIRE(
      first.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                 "application/json\r\nContent-Length: 4000\r\n\r\npartial"));
  std::this_thread::sleep_for(100ms);
  raw_connection second(s.port());
  REQUIRE(
      second.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  "application/json\r\nContent-Length: 1000\r\n\r\n"));
  auto refused = split_responses(second.read_until_close(3s));
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].status == 503);
  REQUIRE(first.send(std::string(3993, 'x')));  // the first completes and frees its share
  CHECK(json::parse(first.read_responses(1, 3s).at(0).body)["bytes"] == 4000);
  raw_connection third(s.port());
  REQUIRE(
      third.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                 "application/json\r\nContent-Length: 1000\r\n\r\n" +
                 std::string(1000, 'y')));
  CHECK(third.read_responses(1, 3s).at(0).status == 200);
}

TEST_CASE("the listener keeps accepting after running out of file descriptors") {
  bare_server s;
  std::vector<int> filler;
  {
    // Use up every descriptor but one, connect with that one: the server's accept() fails
    // with EMFILE (this process is the server).
    rlimit lim{};
    REQUIRE(getrlimit(RLIMIT_NOFILE, &lim) == 0);
    rlimit low = lim;
    low.rlim_cur = std::min<rlim_t>(lim.rlim_cur, 4096);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
    while (true) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      filler.push_back(fd);
    }
    ::close(filler.back());
    filler.pop_back();
    raw_connection starved(s.port());
    bool connected = starved.connected();
    bool sent = connected && starved.send(get("/hello"));
    std::this_thread::sleep_for(300ms);  // accept() fails and backs off meanwhile
    auto errors = metric(s, R"(acepool_http_accept_errors_total{listener="api",error="EMFILE"})");
    for (int fd : filler)
      ::close(fd);
    filler.clear();
    setrlimit(RLIMIT_NOFILE, &lim);
    REQUIRE(connected);
    REQUIRE(sent);
    CHECK(errors >= 1);
    // Descriptors are back: the waiting connection is accepted and answered.
    auto answers = starved.read_responses(1, 5s);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 200);
  }
  raw_connection later(s.port());
  REQUIRE(later.send(get("/hello")));
  CHECK(later.read_responses(1, 3s).size() == 1);
}

TEST_CASE("ids and query values that are not UTF-8 or carry control bytes get 400") {
  api_server s({});
  for (const char* path : {"/debug/actors/%FF", "/debug/actors/a%00b", "/debug/actors/%C0%AF",
                           "/debug/actors/%ED%A0%80", "/health/ready?x=%FE", "/metrics?%0A=1"}) {
    raw_connection c(s.server->port());
    REQUIRE(c.send(get(path)));
    auto answers = c.read_responses(1, 3s);
    INFO(path);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 400);
    CHECK(detail_of(answers[0]).is_string());
  }
}
