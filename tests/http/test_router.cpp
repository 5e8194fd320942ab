#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/json_body.hpp"
#include "http/router.hpp"
#include "support/metrics_registry.hpp"

using namespace acepool::http;
using nlohmann::json;

namespace {

/// Captures what the router sends.
struct captured_sink : response_sink {
  std::optional<response> got;
  int sends = 0;
  void send(response r) override {
    got = std::move(r);
    ++sends;
  }
};

struct fixture {
  acepool::metrics::registry metrics;
  router_options options;
  std::unique_ptr<router> r;
  std::vector<std::string> calls;
  bool local = true;  ///< requests come from this host (loopback peer)

  explicit fixture(router_options o = {}) : options(std::move(o)) { rebuild(); }

  void rebuild() {
    r = std::make_unique<router>(options, &metrics);
    r->add(method::get, "/engines", access::read, {}, [this](call& c) {
      calls.push_back("list");
      c.reply.send(response::raw_json(200, "[]"));
    });
    r->add(method::get, "/engines/{id}", access::read, {}, [this](call& c) {
      calls.push_back("get:" + c.param("id"));
      c.reply.send(response::json(200, {{"id", c.param("id")}}));
    });
    r->add(method::get, "/engines/health-score", access::read, {}, [this](call& c) {
      calls.push_back("score");
      c.reply.send(response::raw_json(200, "[]"));
    });
    r->add(method::del, "/engines/{id}", access::write, {},
           [](call& c) { c.reply.send(response::raw_json(200, "{}")); });
    r->add(method::post, "/echo", access::write, {}, [](call& c) {
      auto body = parse_json_object(*c.req);
      if (!body.value) return c.reply.send(body.error);
      c.reply.send(response::json(200, *body.value));
    });
    r->add(method::get, "/metrics", access::metrics, {},
           [](call& c) { c.reply.send(response::raw_json(200, "{}")); });
    r->add(method::get, "/health", access::open, {},
           [](call& c) { c.reply.send(response::raw_json(200, "{}")); });
    r->add(method::get, "/boom", access::open, {},
           [](call&) { throw std::runtime_error("kaboom"); });
    r->add(method::get, "/forgets", access::open, {}, [](call&) {});
    r->add(method::get, "/query", access::open, {}, [](call& c) {
      c.reply.send(response::json(200, {{"id", c.query.get("id").value_or("")}}));
    });
  }

  response send(method m, std::string target, header_list headers = {}, std::string body = {}) {
    auto req = std::make_shared<request>();
    req->verb = m;
    req->method_text = method_name(m);
    auto q = target.find('?');
    req->path = target.substr(0, q);
    if (q != std::string::npos) req->query = target.substr(q + 1);
    req->headers = std::move(headers);
    // A JSON client unless the test says otherwise.
    if (!body.empty() && !req->header("Content-Type"))
      req->headers.emplace_back("Content-Type", "application/json");
    req->body = std::move(body);
    req->peer_is_loopback = local;
    req->peer_address = local ? "127.0.0.1" : "198.18.0.2";
    auto sink = std::make_shared<captured_sink>();
    r->dispatch(req, sink);
    REQUIRE(sink->sends == 1);
    return *sink->got;
  }
};

std::optional<std::string> header_of(const response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

json body_of(const response& r) {
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("routes match literal segments before parameters") {
  fixture f;
  CHECK(f.send(method::get, "/engines/health-score").status == 200);
  CHECK(f.send(method::get, "/engines/abc123").status == 200);
  CHECK(f.calls == std::vector<std::string>{"score", "get:abc123"});
}

TEST_CASE("every route answers under /api/v1 too, with the same rules and metrics label") {
  router_options o;
  o.api_key = "k";
  fixture f(o);
  CHECK(f.send(method::get, "/api/v1/engines/health-score").status == 200);
  CHECK(f.send(method::get, "/api/v1/engines/abc").status == 200);
  CHECK(f.calls == std::vector<std::string>{"score", "get:abc"});
  CHECK(f.send(method::del, "/api/v1/engines/x").status == 401);
  CHECK(f.send(method::del, "/api/v1/engines/x", {{"X-API-Key", "k"}}).status == 200);
  CHECK(f.send(method::post, "/api/v1/engines/x").status == 405);
  for (const char* path : {"/api/v1", "/api/v1/", "/api/v2/engines", "/api/v1/api/v1/engines"})
    CHECK(f.send(method::get, path).status == 404);
  CHECK_THAT(f.metrics.render(), Catch::Contains("route=\"/engines/{id}\",method=\"GET\""));
  CHECK_THAT(f.metrics.render(), !Catch::Contains("api/v1"));
}

TEST_CASE("path parameters are percent-decoded exactly once") {
  fixture f;
  f.send(method::get, "/engines/a%7Cb%252F");
  CHECK(f.calls.back() == "get:a|b%2F");
  auto bad = f.send(method::get, "/engines/%zz");
  CHECK(bad.status == 422);
  CHECK(body_of(bad)["detail"][0]["loc"] == json::array({"path", "id"}));
}

TEST_CASE("unknown routes get 404 JSON") {
  fixture f;
  auto r = f.send(method::get, "/nope");
  CHECK(r.status == 404);
  CHECK(body_of(r) == json{{"detail", "not found"}});
  CHECK(f.send(method::get, "/engines/a/b").status == 404);
}

TEST_CASE("a wrong method gets 405 with Allow") {
  fixture f;
  auto r = f.send(method::post, "/engines/x");
  CHECK(r.status == 405);
  CHECK(header_of(r, "Allow") == "GET, HEAD, DELETE, OPTIONS");
  CHECK(body_of(r)["detail"] == "method not allowed");
  CHECK(f.send(method::other, "/health").status == 405);
}

TEST_CASE("HEAD is a GET of every route but the streams, and Allow says so") {
  fixture f;
  auto head = f.send(method::head, "/engines/abc");
  CHECK(head.status == 200);
  CHECK(f.calls == std::vector<std::string>{"get:abc"});  // the GET handler answered it
  CHECK(f.send(method::head, "/echo").status == 405);     // POST only
  router r({}, &f.metrics);
  r.add_stream("/ace/getstream", access::open, {},
               [](call& c) { c.reply.send(response::json(200, {})); });
  bool ran = false;
  r.add(method::get, "/ace/status", access::open, {}, [&](call& c) {
    ran = true;
    c.reply.send(response::json(200, {}));
  });
  auto send = [&](method m, const std::string& path) {
    auto req = std::make_shared<request>();
    req->verb = m;
    req->method_text = method_name(m);
    req->path = path;
    req->peer_is_loopback = true;
    req->peer_address = "127.0.0.1";
    auto sink = std::make_shared<captured_sink>();
    r.dispatch(req, sink);
    REQUIRE(sink->got);
    return *sink->got;
  };
  auto stream = send(method::head, "/ace/getstream");
  CHECK(stream.status == 405);  // its head would open an engine session
  CHECK(header_of(stream, "Allow") == "GET, OPTIONS");
  CHECK(send(method::head, "/ace/status").status == 200);
  CHECK(ran);
}

TEST_CASE("CORS preflight is answered for known routes, with no origin allowed by default") {
  fixture f;
  auto r = f.send(method::options, "/engines/x", {{"Origin", "https://ui.example"}});
  CHECK(r.status == 204);
  CHECK(header_of(r, "Access-Control-Allow-Methods") == "GET, HEAD, DELETE, OPTIONS");
  CHECK_FALSE(header_of(r, "Access-Control-Allow-Origin"));  // no page may call it
  CHECK(f.send(method::options, "/nope").status == 404);
  router_options any;
  any.cors_origins = {"*"};
  fixture open(any);
  auto star = open.send(method::options, "/engines/x", {{"Origin", "https://ui.example"}});
  CHECK(header_of(star, "Access-Control-Allow-Origin") == "*");
  CHECK_THAT(*header_of(star, "Access-Control-Allow-Headers"),
             Catch::Contains("Authorization") && Catch::Contains("X-API-Key"));
}

TEST_CASE("CORS_ORIGINS narrows the allowed origins") {
  router_options o;
  o.cors_origins = {"https://ui.example"};
  fixture f(o);
  auto allowed = f.send(method::get, "/health", {{"Origin", "https://ui.example"}});
  CHECK(header_of(allowed, "Access-Control-Allow-Origin") == "https://ui.example");
  CHECK(header_of(allowed, "Vary") == "Origin");
  auto other = f.send(method::get, "/health", {{"Origin", "https://evil.example"}});
  CHECK_FALSE(header_of(other, "Access-Control-Allow-Origin"));
}

TEST_CASE("without API_KEY write routes answer only local clients naming a local host") {
  fixture f;
  CHECK(f.send(method::del, "/engines/x").status == 200);
  CHECK(f.send(method::post, "/echo", {{"Host", "127.0.0.1:8000"}}, "{}").status == 200);
  CHECK(f.send(method::post, "/echo", {{"Host", "localhost"}}, "{}").status == 200);
  CHECK(f.send(method::post, "/echo", {{"Host", "[::1]:8000"}}, "{}").status == 200);
  // Reached over the network: refused, saying what to do.
  f.local = false;
  auto remote = f.send(method::del, "/engines/x");
  CHECK(remote.status == 403);
  CHECK_THAT(body_of(remote)["detail"].get<std::string>(),
             Catch::Contains("API_KEY") && Catch::Contains("X-API-Key"));
  CHECK(f.send(method::get, "/engines").status == 200);  // reads stay open to the network
  CHECK(f.send(method::get, "/health").status == 200);
  // A local peer that names another host is a browser page rebinding a name to 127.0.0.1.
  f.local = true;
  CHECK(f.send(method::del, "/engines/x", {{"Host", "attacker.example"}}).status == 403);
  CHECK(f.send(method::del, "/engines/x", {{"Host", "192.168.1.5:8000"}}).status == 403);
}

TEST_CASE("the Host allow-list guards routes that need a key") {
  router_options o;
  o.api_key = "k";
  o.allowed_hosts = {"acepool.lan"};
  fixture f(o);
  f.local = false;
  header_list key{{"X-API-Key", "k"}};
  auto with_host = [&](const char* host) {
    auto h = key;
    h.emplace_back("Host", host);
    return f.send(method::del, "/engines/x", h).status;
  };
  CHECK(with_host("acepool.lan:8000") == 200);
  CHECK(with_host("ACEPOOL.LAN.") == 200);
  CHECK(with_host("198.18.0.1:8000") == 200);  // IP literals cannot be rebound names
  CHECK(with_host("localhost") == 200);
  auto other = f.send(method::del, "/engines/x", {{"X-API-Key", "k"}, {"Host", "evil.example"}});
  CHECK(other.status == 403);
  CHECK_THAT(body_of(other)["detail"].get<std::string>(), Catch::Contains("ALLOWED_HOSTS"));
  // Open routes do not care.
  CHECK(f.send(method::get, "/health", {{"Host", "evil.example"}}).status == 200);
}

TEST_CASE("bodies must be JSON: a cross-site form or text/plain body gets 415") {
  fixture f;
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonp"}) {
    auto r = f.send(method::post, "/echo", {{"Content-Type", type}}, "{}");
    INFO(type);
    CHECK(r.status == 415);
    CHECK_THAT(body_of(r)["detail"].get<std::string>(), Catch::Contains("application/json"));
  }
  for (const char* type :
       {"application/json", "Application/JSON; charset=utf-8", "application/problem+json"})
    CHECK(f.send(method::post, "/echo", {{"Content-Type", type}}, "{}").status == 200);
  CHECK(f.send(method::post, "/echo").status == 200);  // no body: no type needed
}

TEST_CASE("the key is accepted as a bearer token or as X-API-Key") {
  router_options o;
  o.api_key = "k";
  fixture f(o);
  CHECK(f.send(method::del, "/engines/x", {{"Authorization", "Bearer k"}}).status == 200);
  CHECK(f.send(method::del, "/engines/x", {{"X-API-Key", "k"}}).status == 200);
  CHECK(f.send(method::del, "/engines/x", {{"X-API-Key", "wrong"}}).status == 403);
  CHECK(f.send(method::del, "/engines/x").status == 401);
}

TEST_CASE("with API_KEY, write routes need the bearer token") {
  router_options o;
  o.api_key = "s3cret";
  fixture f(o);
  auto missing = f.send(method::del, "/engines/x");
  CHECK(missing.status == 401);
  CHECK(body_of(missing) == json{{"detail", "missing bearer token"}});
  CHECK(header_of(missing, "WWW-Authenticate") == "Bearer");
  CHECK(f.send(method::del, "/engines/x", {{"Authorization", "Basic abc"}}).status == 401);
  auto wrong = f.send(method::del, "/engines/x", {{"Authorization", "Bearer nope"}});
  CHECK(wrong.status == 403);
  CHECK(body_of(wrong) == json{{"detail", "invalid token"}});
  CHECK(f.send(method::del, "/engines/x", {{"Authorization", "Bearer s3cret"}}).status == 200);
  CHECK(f.send(method::del, "/engines/x", {{"authorization", "bearer s3cret"}}).status == 200);
  CHECK(f.send(method::del, "/engines/x", {{"Authorization", "Bearer s3cretX"}}).status == 403);
  // Read routes stay open unless API_KEY_READS, and /metrics unless METRICS_AUTH.
  CHECK(f.send(method::get, "/engines").status == 200);
  CHECK(f.send(method::get, "/metrics").status == 200);
  CHECK(f.send(method::get, "/health").status == 200);
}

TEST_CASE("API_KEY_READS protects read routes and METRICS_AUTH protects /metrics") {
  router_options o;
  o.api_key = "k";
  o.api_key_reads = true;
  o.metrics_auth = true;
  fixture f(o);
  CHECK(f.send(method::get, "/engines").status == 401);
  CHECK(f.send(method::get, "/engines", {{"Authorization", "Bearer k"}}).status == 200);
  CHECK(f.send(method::get, "/metrics").status == 401);
  CHECK(f.send(method::get, "/health").status == 200);
}

TEST_CASE("constant-time comparison compares the whole token") {
  CHECK(constant_time_equals("abc", "abc"));
  CHECK_FALSE(constant_time_equals("abd", "abc"));
  CHECK_FALSE(constant_time_equals("ab", "abc"));
  CHECK_FALSE(constant_time_equals("abcabc", "abc"));
  CHECK_FALSE(constant_time_equals("", "abc"));
}

TEST_CASE("bodies above MAX_BODY_BYTES get 413 JSON") {
  router_options o;
  o.max_body_bytes = 16;
  fixture f(o);
  auto r = f.send(method::post, "/echo", {}, std::string(17, 'x'));
  CHECK(r.status == 413);
  CHECK_THAT(body_of(r)["detail"].get<std::string>(),
             Catch::Contains("exceeds MAX_BODY_BYTES (16)"));
  CHECK(f.send(method::post, "/echo", {}, R"({"a":123456})").status == 200);
}

TEST_CASE("malformed JSON and non-object bodies get 422 with a detail list") {
  fixture f;
  auto bad = f.send(method::post, "/echo", {}, "{\"a\":");
  CHECK(bad.status == 422);
  auto detail = body_of(bad)["detail"];
  REQUIRE(detail.is_array());
  CHECK(detail[0]["type"] == "json_invalid");
  CHECK(detail[0]["loc"][0] == "body");
  auto list = f.send(method::post, "/echo", {}, "[1,2]");
  CHECK(list.status == 422);
  CHECK(body_of(list)["detail"][0]["type"] == "type_error.dict");
  CHECK(f.send(method::post, "/echo", {}, "").status == 200);
}

TEST_CASE("every response carries a request id, echoed when the client sent a sane one") {
  fixture f;
  auto generated = f.send(method::get, "/health");
  auto id = header_of(generated, "X-Request-Id");
  REQUIRE(id);
  CHECK(id->size() == 16);
  CHECK(header_of(f.send(method::get, "/nope", {{"X-Request-Id", "abc-123"}}), "X-Request-Id") ==
        "abc-123");
  auto insane = f.send(method::get, "/health", {{"X-Request-Id", std::string(200, 'a')}});
  CHECK(header_of(insane, "X-Request-Id")->size() == 16);
}

TEST_CASE("a throwing handler gives 500 JSON with the request id, never a crash") {
  fixture f;
  auto r = f.send(method::get, "/boom", {{"X-Request-Id", "req-1"}});
  CHECK(r.status == 500);
  CHECK(body_of(r) == json{{"detail", "internal error"}, {"request_id", "req-1"}});
}

TEST_CASE("a handler that drops its responder still answers 500") {
  fixture f;
  CHECK(f.send(method::get, "/forgets").status == 500);
}

TEST_CASE("the published-snapshot hook adds headers to every response") {
  router_options o;
  int version = 0;
  o.extra_headers = [&version] { return header_list{{"X-Snapshot", std::to_string(++version)}}; };
  fixture f(o);
  CHECK(header_of(f.send(method::get, "/health"), "X-Snapshot") == "1");
  CHECK(header_of(f.send(method::get, "/nope"), "X-Snapshot") == "2");
}

TEST_CASE("query parameters are decoded and malformed ones rejected") {
  fixture f;
  CHECK(body_of(f.send(method::get, "/query?id=a%20b+c&x"))["id"] == "a b c");
  CHECK(f.send(method::get, "/query?id=%G1").status == 422);
}

TEST_CASE("request metrics are labelled by route pattern, never the raw path") {
  fixture f;
  f.send(method::get, "/engines/abc");
  f.send(method::get, "/engines/def");
  f.send(method::get, "/whatever/raw");
  auto text = f.metrics.render();
  CHECK_THAT(
      text,
      Catch::Contains(
          "acepool_api_requests_total{route=\"/engines/{id}\",method=\"GET\",status=\"200\"} 2"));
  CHECK_THAT(
      text, Catch::Contains(
                "acepool_api_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"));
  CHECK(text.find("abc") == std::string::npos);
  CHECK_THAT(text,
             Catch::Contains(
                 "acepool_api_duration_seconds_count{route=\"/engines/{id}\",method=\"GET\"} 2"));
}

TEST_CASE("a server started after another one's end counts its requests in its own metrics") {
  // Tests and restarts make registries one after another, often at the same address.
  for (int round = 0; round < 3; ++round) {
    auto f = std::make_unique<fixture>();
    f->send(method::get, "/engines/abc");
    CHECK_THAT(f->metrics.render(),
               Catch::Contains("acepool_api_requests_total{route=\"/engines/{id}\",method=\"GET\","
                               "status=\"200\"} 1"));
  }
}

TEST_CASE("only GETs of routes added as streams get a connection of their own") {
  acepool::metrics::registry metrics;
  router r({}, &metrics);
  r.add_stream("/ace/getstream", access::open, {},
               [](call& c) { c.reply.send(response::json(200, {})); });
  r.add(method::get, "/ace/status", access::open, {},
        [](call& c) { c.reply.send(response::json(200, {})); });
  r.add(method::del, "/streams/{id}", access::write, {},
        [](call& c) { c.reply.send(response::json(200, {})); });
  CHECK(r.streams("/ace/getstream"));
  CHECK_FALSE(r.streams("/ace/status"));
  CHECK_FALSE(r.streams("/streams/abc"));
  CHECK_FALSE(r.streams("/nowhere"));
}

TEST_CASE("a web page cannot use a local client's standing: Origin, Sec-Fetch-Site, proxies") {
  fixture f;  // protected mode, a local peer
  // Any page, even one naming this host, carries Origin: without a key it is not "local".
  CHECK(f.send(method::post, "/echo", {{"Origin", "http://evil.example"}}).status == 403);
  auto own_page = f.send(method::post, "/echo",
                         {{"Host", "127.0.0.1:8000"}, {"Origin", "http://127.0.0.1:8000"}});
  CHECK(own_page.status == 403);
  // The browser is on this host: the answer says why it is refused anyway (the panel shows it).
  CHECK_THAT(
      body_of(own_page)["detail"].get<std::string>(),
      Catch::Contains("refuses every web page, acepool's own too") && Catch::Contains("API_KEY"));
  CHECK(f.send(method::post, "/echo", {{"Sec-Fetch-Site", "cross-site"}}).status == 403);
  // A reverse proxy on this host forwards for someone else.
  for (const char* h : {"X-Forwarded-For", "Forwarded", "X-Real-IP"})
    CHECK(f.send(method::post, "/echo", {{h, "198.18.0.9"}}).status == 403);
  CHECK(f.send(method::post, "/echo", {{"Sec-Fetch-Site", "none"}}).status == 200);  // typed URL
  // Reads are for everyone, pages included.
  CHECK(f.send(method::get, "/engines", {{"Origin", "http://evil.example"}}).status == 200);
}

TEST_CASE("with a key, only the page's own origin or a listed one may call guarded routes") {
  router_options o;
  o.api_key = "k";
  o.cors_origins = {"https://ui.example"};
  o.allowed_hosts = {"acepool.example"};
  fixture f(o);
  header_list key{{"X-API-Key", "k"}, {"Host", "acepool.example:8000"}};
  auto with = [&](header_list extra) {
    auto h = key;
    for (auto& x : extra)
      h.push_back(x);
    return f.send(method::del, "/engines/x", h).status;
  };
  CHECK(with({}) == 200);
  CHECK(with({{"Origin", "https://ui.example"}}) == 200);           // listed
  CHECK(with({{"Origin", "http://acepool.example:8000"}}) == 200);  // its own
  CHECK(with({{"Origin", "https://evil.example"}}) == 403);
  CHECK(with({{"Sec-Fetch-Site", "same-site"}}) == 403);
}

TEST_CASE("a body where no route reads one is refused from the head") {
  fixture f;
  auto r = f.send(method::get, "/engines", {{"Content-Type", "application/json"}}, "{}");
  CHECK(r.status == 413);
  CHECK_THAT(body_of(r)["detail"].get<std::string>(), Catch::Contains("GET requests take no body"));
  CHECK(f.send(method::del, "/engines/x", {}, "{}").status == 413);
}
