// The operator's panel against the running binary: its page and content-named bundle as a
// browser fetches them (redirects, CSP, immutable caching, gzip, weight), then the pages driven
// in headless Chromium by tests/panel/check_panel.mjs (puppeteer-core): no console errors, the
// engines the API lists, a stream appearing live, stream and engine pages with their charts, the
// preview playing, the relay's Mbit/s, a refused delete that says why, a provision with the key,
// and with API_KEY_READS the key asked for before anything shows. Screenshots in
// <build>/test-output/panel/.
#include <catch2/catch.hpp>

#include <algorithm>
#include <regex>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/engine_endpoint.hpp"
#include "tests/common/panel_check.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/stream_events.hpp"

using namespace acepool;
using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

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
  // main.js, main.css and the preview's player.js; the licences of the packages they carry.
  REQUIRE(urls.size() == 4);
  auto is_text = [](const std::string& url) {
    return url.size() > 4 && url.substr(url.size() - 4) == ".txt";
  };
  auto text = std::find_if(urls.begin(), urls.end(), is_text);
  REQUIRE(text != urls.end());
  auto licences_url = *text;
  urls.erase(text);
  REQUIRE_THAT(licences_url, Catch::Matches("/panel/assets/licenses\\.[0-9a-f]+\\.txt"));
  auto licences = ace.get(licences_url);
  CHECK(licences.status == 200);
  CHECK(licences.header("Content-Type") == "text/plain; charset=utf-8");
  for (const char* package : {"preact", "htm", "uplot", "mpegts.js", "es6-promise", "events"})
    CHECK_THAT(licences.body, Catch::Contains("==== " + std::string(package) + " "));
  CHECK_THAT(licences.body, Catch::Contains("Apache License"));  // mpegts.js's, as it asks
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
  // The budget of the panel's issue: every file of the panel, compressed (the player is
  // downloaded only when a preview starts, and counted all the same).
  INFO("page weight " << weight << " bytes");
  CHECK(weight < 150 * 1024);
}

TEST_CASE(
    "panel: Chromium shows the pool live and acts only with the key, at desktop and phone size") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  const std::string key = "panel-test-key-0123456789abcdef";
  acepool_process ace(pool_env(run, ports,
                               {{"MIN_REPLICAS", "2"},
                                {"MAX_REPLICAS", "4"},
                                {"API_KEY", key},
                                {"COLLECT_INTERVAL_S", "0.5"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 2; }, 60s));
  json ids = json::array();
  uint16_t port = 0;
  for (const auto& e : ace.engines()) {
    ids.push_back(e["container_id"]);
    port = e["port"].get<uint16_t>();
  }
  auto session = engine_endpoint(port).start_session("panel-news");
  REQUIRE(session.is_object());
  auto report =
      check_panel(ace,
                  {{"engine_ids", ids},
                   {"api_key", key},
                   {"stream_event", started_event("127.0.0.1", port, "panel-news", session)}},
                  180s);
  REQUIRE(report.is_object());
  CHECK(report["problems"].empty());
  CHECK(report["engines_shown"] == 2);
  CHECK(report["screenshots"].size() == 17);
  CHECK(report["stream_seen_ms"].is_number());
  CHECK(report["themes"]["dark"] < 0.3);
  CHECK(report["themes"]["light"] > 0.7);
  CHECK(report["stream_chart_points"] >= 2);
  CHECK(report["engine_chart_points"] >= 1);
  CHECK(report["preview"]["advanced_s"] >= 1.0);
  CHECK(report["preview"]["video_width"] == 32);  // the simulator's picture, decoded
  CHECK(report["relay_mbit"] > 0);
  // Without MSE the preview plays acepool's HLS of the stream, and mpegts.js is not loaded.
  const auto& no_mse = report["preview_no_mse"];
  INFO(no_mse.dump());
  CHECK(no_mse["src"].get<std::string>().find("/ace/manifest.m3u8?id=panel-news") !=
        std::string::npos);
  CHECK(no_mse["playlist_statuses"].size() >= 1);
  CHECK(no_mse["playlist_statuses"][0] == 200);
  CHECK(no_mse["relay_ts_requests"] == 0);
  CHECK(no_mse["player_js_requests"] == 0);
  CHECK(report["refused_shown"] == true);
  CHECK(report["engines_after_provision"] == 3);
  CHECK(report["stream_stopped"] == true);
}

TEST_CASE("panel: with API_KEY_READS the page asks for the key, then follows the feed with it") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  const std::string key = "panel-reads-key-0123456789abcdef";
  acepool_process ace(pool_env(
      run, ports,
      {{"MIN_REPLICAS", "1"}, {"MAX_REPLICAS", "2"}, {"API_KEY", key}, {"API_KEY_READS", "true"}}));
  auto engines = [&] {
    return json::parse(ace.get("/engines", {"Authorization: Bearer " + key}).body, nullptr, false);
  };
  REQUIRE(eventually([&] { return engines().size() == 1; }, 60s));
  // Without the key, neither the pool nor the feed is shown.
  CHECK(ace.get("/engines").status == 401);
  CHECK(ace.get("/events/live").status == 401);
  json ids = json::array();
  for (const auto& e : engines())
    ids.push_back(e["container_id"]);
  auto report = check_panel(ace, {{"engine_ids", ids}, {"api_key", key}, {"mode", "reads"}}, 120s);
  REQUIRE(report.is_object());
  CHECK(report["problems"].empty());
  CHECK(report["key_asked"] == true);
  CHECK(report["live_with_key"] == true);
  CHECK(report["engines_shown"] == 1);
}
