// The operator's panel against the running binary: its page and content-named bundle as a
// browser fetches them (redirects, CSP, immutable caching, gzip, weight), then the pages driven
// in headless Chromium by tests/panel/check_panel.mjs (puppeteer-core): no console errors, the
// engines the API lists, a stream appearing live, a refused delete that says why, a provision
// with the key. Screenshots in <build>/test-output/panel/.
#include <catch2/catch.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/engine_endpoint.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_events.hpp"
#include "tests/common/test_output.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string panel_source_dir = ACEPOOL_SOURCE_DIR;

/// The bundle's URLs the page names (`/panel/assets/main.<hash>.js`, `.css`).
std::vector<std::string> asset_urls(const std::string& page) {
  std::vector<std::string> out;
  std::regex url(R"re("(/panel/assets/[^"]+)")re");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), url); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("panel: the page and its bundle are served as a browser needs them") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "0"}}));

  auto front = ace.get("/");
  CHECK(front.status == 308);
  CHECK(front.header("Location") == "/panel");
  auto page = ace.get("/panel");
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type").value_or("").rfind("text/html", 0) == 0);
  CHECK_THAT(page.header("Content-Security-Policy").value_or(""),
             Catch::Contains("script-src 'self'") && Catch::Contains("frame-ancestors 'none'"));
  CHECK(ace.get("/panel", {"If-None-Match: " + page.header("ETag").value_or("")}).status == 304);

  auto urls = asset_urls(page.body);
  REQUIRE(urls.size() == 2);
  size_t weight = page.body.size();
  for (const auto& url : urls) {
    INFO(url);
    auto plain = ace.get(url);
    REQUIRE(plain.status == 200);
    CHECK_FALSE(plain.header("Content-Encoding").has_value());
    CHECK(plain.header("Cache-Control") == "public, max-age=31536000, immutable");
    auto packed = ace.get(url, {"Accept-Encoding: br, gzip;q=0.8"});
    REQUIRE(packed.status == 200);
    CHECK(packed.header("Content-Encoding") == "gzip");
    CHECK(packed.header("Vary") == "Accept-Encoding");
    CHECK(packed.body.size() < plain.body.size());
    CHECK_FALSE(ace.get(url, {"Accept-Encoding: gzip;q=0"}).header("Content-Encoding"));
    weight += packed.body.size();
  }
  // A name of another build (another hash) is not this bundle.
  CHECK(ace.get("/panel/assets/main.0000000000000000.js").status == 404);
  // The budget of the panel's issue: everything a first visit downloads, compressed.
  INFO("page weight " << weight << " bytes");
  CHECK(weight < 150 * 1024);
}

TEST_CASE(
    "panel: Chromium shows the pool live and acts only with the key, at desktop and phone size") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  const std::string key = "panel-test-key-0123456789abcdef";
  acepool_process ace(
      pool_env(run, ports, {{"MIN_REPLICAS", "2"}, {"MAX_REPLICAS", "4"}, {"API_KEY", key}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 60s));
  json ids = json::array();
  uint16_t port = 0;
  for (const auto& e : ace.engines()) {
    ids.push_back(e["container_id"]);
    port = e["port"].get<uint16_t>();
  }
  auto session = engine_endpoint(port).start_session("panel-news");
  REQUIRE(session.is_object());
  temp_dir dir;
  auto input = dir.write(
      "input.json", json{{"engine_ids", ids},
                         {"api_key", key},
                         {"stream_event", started_event("127.0.0.1", port, "panel-news", session)}}
                        .dump());

  auto r = run_program("/usr/bin/node",
                       {panel_source_dir + "/tests/panel/check_panel.mjs", ace.url(""),
                        test_output_dir("panel"), input},
                       {}, 180s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  auto report = json::parse(r.out, nullptr, false);
  REQUIRE(report.is_object());
  CHECK(report["problems"].empty());
  CHECK(report["engines_shown"] == 2);
  CHECK(report["screenshots"].size() == 11);
  CHECK(report["stream_seen_ms"].is_number());
  CHECK(report["refused_shown"] == true);
  CHECK(report["engines_after_provision"] == 3);
  CHECK(report["stream_stopped"] == true);
}
