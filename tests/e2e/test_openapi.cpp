// /openapi.json against the running binary: a valid OpenAPI 3.1 document (an npm validator), the
// router answering exactly its operations, every operation's real answers matching its schemas
// (python3-jsonschema), and /docs rendered by headless Chromium. The document, the answers, the
// page's DOM and a screenshot are kept in <build>/test-output/openapi/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/engine_endpoint.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_events.hpp"
#include "tests/common/stream_reader.hpp"
#include "tests/common/test_output.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string source_dir = ACEPOOL_SOURCE_DIR;

std::string output_dir() {
  return test_output_dir("openapi");
}

std::string save(const std::string& name, const std::string& content) {
  auto path = output_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

/// `/streams/{id}` with every `{name}` replaced by `value`.
std::string concrete(const std::string& pattern, const std::string& value) {
  return std::regex_replace(pattern, std::regex(R"(\{[a-z_]+\})"), value);
}

/// Real answers, each filed under the document's operation it answers.
class answer_log {
 public:
  explicit answer_log(const acepool_process& ace) : ace_(ace) {}

  /// Sends one request; files the answer under `method` `pattern`; returns it.
  http_reply call(const std::string& method, const std::string& pattern, const std::string& path,
                  std::optional<std::string> body = std::nullopt,
                  std::vector<std::string> headers = {}) {
    http_request req;
    req.method = method;
    req.url = ace_.url(path);
    req.body = std::move(body);
    bool typed = std::any_of(headers.begin(), headers.end(),
                             [](const std::string& h) { return h.rfind("Content-Type:", 0) == 0; });
    if (req.body && !typed) headers.emplace_back("Content-Type: application/json");
    req.headers = std::move(headers);
    return keep(method, pattern, http_call(req));
  }
  http_reply get(const std::string& pattern, const std::string& path,
                 std::vector<std::string> headers = {}) {
    return call("GET", pattern, path, std::nullopt, std::move(headers));
  }
  http_reply post(const std::string& pattern, const std::string& path, const json& body) {
    return call("POST", pattern, path, body.dump());
  }
  /// The head of a streaming answer (the body never ends: read for a moment only).
  void head_of_stream(const std::string& pattern, const std::string& path) {
    http_request req;
    req.url = ace_.url(path);
    req.timeout = 1500ms;
    auto r = http_call(req);
    r.status = r.status_seen;
    REQUIRE(r.status == 200);
    r.body.clear();
    keep("GET", pattern, r);
  }
  http_reply keep(const std::string& method, const std::string& pattern, const http_reply& r) {
    auto type = r.header("Content-Type").value_or("");
    json body = nullptr;
    if (type.rfind("application/json", 0) == 0) body = json::parse(r.body, nullptr, false);
    answers_.push_back({{"method", method},
                        {"path", pattern},
                        {"status", r.status},
                        {"content_type", type},
                        {"body", body}});
    return r;
  }

  /// The checker's report over every answer, and whether all are as documented.
  std::pair<bool, std::string> check(const std::string& doc_file) const {
    auto file = save("answers.json", answers_.dump(1));
    auto r = run_program("/usr/bin/python3",
                         {source_dir + "/tests/compat/check_openapi_answers.py", doc_file, file},
                         {}, 60s);
    return {r.exit_code == 0, r.out + r.err};
  }
  size_t size() const { return answers_.size(); }

 private:
  const acepool_process& ace_;
  json answers_ = json::array();
};

/// Runs the OpenAPI 3.1 validator from npm (web/package-lock.json) over `file`.
run_result validate_openapi(const std::string& file) {
  return run_program("/usr/bin/node",
                     {source_dir + "/web/node_modules/@seriousme/openapi-schema-validator/bin/"
                                   "validate-api-cli.js",
                      file},
                     {}, 60s);
}

std::vector<std::string> chromium_args(const std::string& profile) {
  // The flags this machine's closed network needs (no background connections, no sandbox as root).
  return {"--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-sync",
          "--disable-component-update",
          "--hide-scrollbars",
          "--user-data-dir=" + profile,
          "--window-size=1366,900",
          "--virtual-time-budget=15000"};
}

}  // namespace

TEST_CASE(
    "openapi: the document is valid OpenAPI 3.1 and the router serves exactly its operations") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "0"}}));
  auto reply = ace.get("/openapi.json");
  REQUIRE(reply.status == 200);
  auto doc = json::parse(reply.body);
  auto file = save("openapi.json", doc.dump(2));

  auto valid = validate_openapi(file);
  INFO(valid.out << valid.err);
  CHECK(valid.exit_code == 0);
  CHECK_THAT(valid.out, Catch::Contains("\"valid\": true"));
  CHECK(doc["openapi"] == "3.1.0");

  // The router's Allow for each documented path names exactly the documented methods: no
  // operation the router lacks, no method it serves that the document leaves out.
  size_t operations = 0;
  for (const auto& [pattern, item] : doc["paths"].items()) {
    std::set<std::string> documented{"OPTIONS"};
    for (const auto& [verb, op] : item.items()) {
      std::string upper = verb;
      for (auto& ch : upper)
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      documented.insert(upper);
      ++operations;
    }
    // HEAD is a GET without its body on every GET path but the streams (the document's
    // description says so rather than listing 40 more operations).
    static const std::set<std::string> streams{"/ace/getstream", "/ace/getstream/", "/events/live"};
    if (documented.count("GET") > 0 && streams.count(pattern) == 0) documented.insert("HEAD");
    for (const auto& prefix : {std::string(), std::string("/api/v1")}) {
      http_request options;
      options.method = "OPTIONS";
      options.url = ace.url(prefix + concrete(pattern, "probe"));
      auto r = http_call(options);
      INFO(prefix + pattern);
      REQUIRE(r.status == 204);
      std::set<std::string> allowed;
      std::string allow = r.header("Allow").value_or("");
      for (size_t start = 0; start < allow.size();) {
        auto end = allow.find(',', start);
        auto item = allow.substr(start, end == std::string::npos ? end : end - start);
        item.erase(0, item.find_first_not_of(' '));
        allowed.insert(item);
        start = end == std::string::npos ? allow.size() : end + 1;
      }
      CHECK(allowed == documented);
    }
  }
  CHECK(operations >= 39);
  // And a path outside the document is no route at all.
  http_request options;
  options.method = "OPTIONS";
  options.url = ace.url("/not-in-the-document");
  CHECK(http_call(options).status == 404);
}

TEST_CASE("openapi: every operation's real answers match the document's schemas") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports,
                               {{"MIN_REPLICAS", "1"},
                                {"MAX_REPLICAS", "3"},
                                {"COLLECT_INTERVAL_S", "0.2"},
                                {"ALLOWED_IMAGES", "acepool/sim:latest"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 30s));
  auto doc_reply = ace.get("/openapi.json");
  REQUIRE(doc_reply.status == 200);
  auto doc_file = save("openapi.json", json::parse(doc_reply.body).dump(2));
  answer_log log(ace);

  // The documentation routes, with their caching.
  auto doc = log.get("/openapi.json", "/openapi.json");
  auto etag = doc.header("ETag").value_or("");
  CHECK(log.get("/openapi.json", "/openapi.json", {"If-None-Match: " + etag}).status == 304);
  auto page = log.get("/docs", "/docs");
  CHECK_THAT(page.header("Content-Security-Policy").value_or(""),
             Catch::Contains("script-src 'self'"));
  auto css = log.get("/docs/{file}", "/docs/swagger-ui.css");
  CHECK(css.header("Content-Type").value_or("") == "text/css; charset=utf-8");
  log.get("/docs/{file}", "/docs/swagger-ui-bundle.js");
  CHECK(log.get("/docs/{file}", "/docs/..%2F..%2Fetc%2Fpasswd").status == 404);
  CHECK(log.get("/redoc", "/redoc").header("Location") == "/docs");
  CHECK(log.get("/docs/", "/docs/").header("Location") == "/docs");
  CHECK(log.get("/", "/").header("Location") == "/panel");
  CHECK(log.get("/panel/", "/panel/").header("Location") == "/panel");
  auto panel = log.get("/panel", "/panel");
  std::smatch bundle;
  REQUIRE(std::regex_search(panel.body, bundle,
                            std::regex(R"re(/panel/assets/(main\.[0-9a-f]+\.js))re")));
  CHECK(
      log.get("/panel/assets/{file}", "/panel/assets/" + bundle[1].str(), {"Accept-Encoding: gzip"})
          .status == 200);
  CHECK(log.get("/panel/assets/{file}", "/panel/assets/main.js").status == 404);

  // Health, status, metrics, debug.
  for (const auto* path : {"/health", "/health/ready", "/orchestrator/status", "/health/status",
                           "/vpn/status", "/metrics", "/debug/actors", "/debug/config"})
    CHECK(log.get(path, path).status == 200);
  CHECK(log.get("/debug/actors/{name}", "/debug/actors/engine_registry").status == 200);
  CHECK(log.get("/debug/actors/{name}", "/debug/actors/nobody").status == 404);

  // Provisioning and containers, right and wrong.
  auto engine = json_of(log.post("/provision/acestream", "/provision/acestream", json::object()));
  auto engine_id = engine.value("container_id", "");
  CHECK(log.post("/provision/acestream", "/provision/acestream", {{"image", 5}}).status == 422);
  CHECK(log.call("POST", "/provision/acestream", "/provision/acestream", "x=1",
                 {"Content-Type: text/plain"})
            .status == 415);
  auto generic = json_of(log.post("/provision", "/provision",
                                  {{"image", "acepool/sim:latest"}, {"labels", {{"t", "oa"}}}}));
  auto generic_id = generic.value("container_id", "");
  CHECK(log.post("/provision", "/provision", {{"image", "elsewhere/evil:1"}}).status == 403);
  CHECK(log.get("/containers/{id}", "/containers/" + generic_id).status == 200);
  CHECK(log.get("/containers/{id}", "/containers/0123456789ab").status == 404);
  CHECK(log.get("/by-label", "/by-label?key=t&value=oa").status == 200);
  CHECK(log.get("/by-label", "/by-label?key=t").status == 422);

  // Engines.
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 30s));
  auto engines = log.get("/engines", "/engines");
  CHECK(log.get("/engines", "/engines", {"If-None-Match: " + engines.header("ETag").value_or("")})
            .status == 304);
  CHECK(log.get("/engines/health-score", "/engines/health-score").status == 200);
  CHECK(log.get("/engines/{container_id}", "/engines/" + engine_id).status == 200);
  CHECK(log.get("/engines/{container_id}", "/engines/nope").status == 404);

  // Streams: one reported by an external proxy, one served by the relay.
  auto port = static_cast<uint16_t>(engine.value("host_http_port", 0));
  auto session = engine_endpoint(port).start_session("oa-news");
  REQUIRE(session.is_object());
  auto event = started_event("127.0.0.1", port, "oa-news", session);
  auto started = log.post("/events/stream_started", "/events/stream_started", event);
  REQUIRE(started.status == 200);
  auto event_stream = json_of(started)["id"].get<std::string>();
  CHECK(log.post("/events/stream_started", "/events/stream_started",
                 {{"engine", {{"host", "127.0.0.1"}, {"port", 0}}}})
            .status == 422);
  stream_reader viewer(ace.url("/ace/getstream?id=0a0a0a0a"));
  REQUIRE(eventually([&] { return viewer.bytes() > 0; }, 60s));
  log.head_of_stream("/ace/getstream", "/ace/getstream?id=0a0a0a0a");
  log.head_of_stream("/ace/getstream/", "/ace/getstream/?id=0a0a0a0a");
  CHECK(log.get("/ace/getstream", "/ace/getstream?id=a&infohash=b").status == 400);
  CHECK(log.get("/ace/getstream/", "/ace/getstream/").status == 400);
  CHECK(log.get("/ace/status", "/ace/status").status == 200);
  CHECK(log.get("/ace/status", "/ace/status?id=0a0a0a0a").status == 200);
  CHECK(log.get("/ace/status", "/ace/status?id=none").status == 404);
  // HLS of the same key: the playlist (once a segment is cut), a segment, refusals.
  auto manifest = log.get("/ace/manifest.m3u8", "/ace/manifest.m3u8?id=0a0a0a0a");
  REQUIRE(manifest.status == 200);
  auto uri_at = manifest.body.find("segment.ts?");
  REQUIRE(uri_at != std::string::npos);
  auto uri = manifest.body.substr(uri_at, manifest.body.find('\n', uri_at) - uri_at);
  CHECK(log.get("/ace/segment.ts", "/ace/" + uri).status == 200);
  CHECK(log.get("/ace/manifest.m3u8", "/ace/manifest.m3u8").status == 400);
  CHECK(log.get("/ace/segment.ts", "/ace/segment.ts?id=0a0a0a0a&v=zz&seq=1").status == 400);
  CHECK(log.get("/ace/segment.ts", "/ace/segment.ts?id=none&v=ab&seq=1").status == 404);
  // A playlist rewritten to point at this acepool; text/plain and bytes that are not UTF-8 refused.
  const std::string m3u = "#EXTM3U\n#EXTINF:-1,News\nacestream://" + std::string(40, 'a') + "\n";
  auto rewritten = log.call("POST", "/playlist/rewrite", "/playlist/rewrite?format=hls", m3u,
                            {"Content-Type: audio/x-mpegurl"});
  CHECK(rewritten.status == 200);
  CHECK_THAT(rewritten.body, Catch::Contains("/ace/manifest.m3u8?id=" + std::string(40, 'a')));
  CHECK(rewritten.header("X-Acepool-Rewritten") == "1");
  CHECK(
      log.call("POST", "/playlist/rewrite", "/playlist/rewrite", m3u, {"Content-Type: text/plain"})
          .status == 415);
  CHECK(log.call("POST", "/playlist/rewrite", "/playlist/rewrite", std::string("\xff\xfe\x00"),
                 {"Content-Type: audio/x-mpegurl"})
            .status == 400);
  auto relayed = json_of(ace.get("/streams?status=started"));
  std::string relay_stream;
  for (const auto& s : relayed)
    if (s["source"] == "relay") relay_stream = s["id"];
  REQUIRE_FALSE(relay_stream.empty());
  REQUIRE(eventually([&] { return !json_of(ace.get(stream_path(relay_stream, "/stats"))).empty(); },
                     30s));
  CHECK(log.get("/streams", "/streams").status == 200);
  CHECK(log.get("/streams", "/streams?status=started&container_id=" + engine_id).status == 200);
  CHECK(log.get("/streams", "/streams?status=bogus").status == 422);
  CHECK(log.get("/streams/{id}", stream_path(relay_stream)).status == 200);
  CHECK(log.get("/streams/{id}", "/streams/nope").status == 404);
  CHECK(log.get("/streams/{id}/stats", stream_path(relay_stream, "/stats")).status == 200);
  CHECK(
      log.get("/streams/{id}/stats", stream_path(relay_stream, "/stats?since=yesterday")).status ==
      422);
  CHECK(log.get("/streams/{id}/stats", "/streams/nope/stats").status == 404);
  log.head_of_stream("/events/live", "/events/live");
  CHECK(log.get("/events/live", "/events/live?after=x").status == 400);

  CHECK(log.post("/events/stream_ended", "/events/stream_ended", {{"stream_id", event_stream}})
            .status == 200);
  CHECK(log.post("/events/batch", "/events/batch",
                 {{"started", json::array({event, 5})},
                  {"ended", json::array({{{"stream_id", "no"}}, 5, nullptr})}})
            .status == 200);
  CHECK(log.post("/events/batch", "/events/batch", {{"started", 5}}).status == 422);
  CHECK(log.call("DELETE", "/streams/{id}", stream_path(relay_stream)).status == 200);
  CHECK(log.call("DELETE", "/streams/{id}", stream_path(relay_stream)).status == 409);
  viewer.stop();

  // The pool, the breakers, and the guards every write route has.
  CHECK(log.post("/health/circuit-breaker/reset", "/health/circuit-breaker/reset", json::object())
            .status == 200);
  CHECK(log.post("/health/circuit-breaker/reset",
                 "/health/circuit-breaker/reset?operation_type=bogus", json::object())
            .status == 400);
  CHECK(log.post("/scale/{n}", "/scale/many", json::object()).status == 422);
  CHECK(log.post("/scale/{n}", "/scale/2", json::object()).status == 200);
  CHECK(log.post("/gc", "/gc", json::object()).status == 200);
  CHECK(log.call("POST", "/gc", "/gc", "{}", {"Origin: http://evil.example"}).status == 403);
  CHECK(log.get("/engines", "/engines?x=%FF").status == 400);
  CHECK(log.get("/engines", "/engines?x=%G0").status == 422);
  CHECK(log.call("DELETE", "/containers/{id}", "/containers/" + generic_id).status == 200);
  CHECK(log.call("DELETE", "/containers/{id}", "/containers/" + generic_id).status == 404);

  auto [ok, report] = log.check(doc_file);
  INFO(report);
  CHECK(ok);
  CHECK_THAT(report, Catch::Contains(std::to_string(log.size()) + " of " +
                                     std::to_string(log.size()) + " answers match"));
}

TEST_CASE("openapi: the answer checker refuses answers the document does not promise") {
  // A check that cannot fail proves nothing.
  json doc = {{"openapi", "3.1.0"},
              {"paths",
               {{"/a",
                 {{"get",
                   {{"responses",
                     {{"200",
                       {{"description", "x"},
                        {"content",
                         {{"application/json",
                           {{"schema", {{"$ref", "#/components/schemas/A"}}}}}}}}}}}}}}},
                {"/b", {{"get", {{"responses", {{"200", {{"description", "y"}}}}}}}}}}},
              {"components",
               {{"schemas",
                 {{"A",
                   {{"type", "object"},
                    {"properties", {{"n", {{"type", "integer"}}}}},
                    {"required", {"n"}}}}}}}}};
  temp_dir dir;
  auto doc_file = dir.write("doc.json", doc.dump());
  json answers = json::array({{{"method", "GET"},
                               {"path", "/a"},
                               {"status", 200},
                               {"content_type", "application/json"},
                               {"body", {{"n", 1.5}}}},
                              {{"method", "GET"},
                               {"path", "/a"},
                               {"status", 404},
                               {"content_type", "application/json"},
                               {"body", {{"n", 1}}}}});
  auto answers_file = dir.write("answers.json", answers.dump());
  auto r = run_program(
      "/usr/bin/python3",
      {source_dir + "/tests/compat/check_openapi_answers.py", doc_file, answers_file}, {}, 60s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("at n: 1.5 is not of type 'integer'"));
  CHECK_THAT(r.out, Catch::Contains("status 404 is not documented"));
  CHECK_THAT(r.out, Catch::Contains("never answered: GET /b"));
}

TEST_CASE("openapi: /docs renders every operation in headless Chromium") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "0"}}));
  auto doc = json_of(ace.get("/openapi.json"));
  REQUIRE(doc.contains("paths"));
  temp_dir profile;

  auto args = chromium_args(profile.path());
  args.push_back("--dump-dom");
  args.push_back(ace.url("/docs"));
  auto dom = run_program("/usr/bin/chromium", args, {}, 120s);
  save("docs-dom.html", dom.out);
  INFO(dom.err.substr(0, 2000));
  REQUIRE(dom.exit_code == 0);
  CHECK_THAT(dom.out, Catch::Contains("acepool"));
  for (const auto& [pattern, item] : doc["paths"].items()) {
    INFO(pattern);
    CHECK_THAT(dom.out, Catch::Contains("data-path=\"" + pattern + "\""));
  }

  auto shot = output_dir() + "/docs.png";
  std::filesystem::remove(shot);
  args = chromium_args(profile.path());
  args.push_back("--screenshot=" + shot);
  args.push_back(ace.url("/docs"));
  auto r = run_program("/usr/bin/chromium", args, {}, 120s);
  INFO(r.err.substr(0, 2000));
  CHECK(r.exit_code == 0);
  REQUIRE(std::filesystem::exists(shot));
  CHECK(std::filesystem::file_size(shot) > 20000);  // a rendered page, not a blank one
}
