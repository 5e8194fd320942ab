#include <catch2/catch.hpp>

#include "support/metrics_registry.hpp"
#include "support/process_metrics.hpp"

using namespace acepool::metrics;

TEST_CASE("counters and gauges render in Prometheus text format 0.0.4") {
  registry reg;
  reg.counter("acepool_events_total", "Events by type", {{"type", "stream_started"}}).inc(3);
  reg.gauge("acepool_streams_active", "Active streams").set(2);
  reg.gauge("acepool_ratio", "A ratio").set(0.25);
  auto text = reg.render();
  CHECK_THAT(text, Catch::Contains("# HELP acepool_events_total Events by type\n"
                                   "# TYPE acepool_events_total counter\n"
                                   "acepool_events_total{type=\"stream_started\"} 3\n"));
  CHECK_THAT(text,
             Catch::Contains("# TYPE acepool_streams_active gauge\nacepool_streams_active 2\n"));
  CHECK_THAT(text, Catch::Contains("acepool_ratio 0.25\n"));
}

TEST_CASE("the same name and labels give the same series") {
  registry reg;
  reg.counter("c", "h", {{"a", "1"}}).inc();
  reg.counter("c", "h", {{"a", "1"}}).inc();
  reg.counter("c", "h", {{"a", "2"}}).inc();
  auto text = reg.render();
  CHECK_THAT(text, Catch::Contains("c{a=\"1\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("c{a=\"2\"} 1\n"));
}

TEST_CASE("histograms render cumulative buckets, sum and count") {
  registry reg;
  auto& h = reg.histogram("d_seconds", "durations", {0.1, 1}, {{"route", "/x"}});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  auto text = reg.render();
  CHECK_THAT(text, Catch::Contains("# TYPE d_seconds histogram\n"));
  CHECK_THAT(text, Catch::Contains("d_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("d_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("d_seconds_sum{route=\"/x\"} 5.55\n"));
  CHECK_THAT(text, Catch::Contains("d_seconds_count{route=\"/x\"} 3\n"));
}

TEST_CASE("label values are escaped") {
  CHECK(render_labels({{"a", "x\"y\\z\nw"}}) == "{a=\"x\\\"y\\\\z\\nw\"}");
  CHECK(render_labels({}).empty());
}

TEST_CASE("a name cannot change its type") {
  registry reg;
  reg.counter("x", "h");
  CHECK_THROWS(reg.gauge("x", "h"));
}

TEST_CASE("collectors refresh gauges before each render") {
  registry reg;
  int calls = 0;
  reg.add_collector([&](registry& r) { r.gauge("g", "h").set(++calls); });
  CHECK_THAT(reg.render(), Catch::Contains("g 1\n"));
  CHECK_THAT(reg.render(), Catch::Contains("g 2\n"));
}

TEST_CASE("process metrics report this process's CPU, RSS and open fds") {
  registry reg;
  acepool::support::add_process_metrics(reg);
  auto text = reg.render();
  CHECK_THAT(text, Catch::Contains("# TYPE process_cpu_seconds_total counter\n"));
  CHECK_THAT(text, Catch::Contains("process_resident_memory_bytes "));
  CHECK_THAT(text, Catch::Contains("process_open_fds "));
  CHECK_THAT(text, Catch::Contains("process_max_fds "));
  // RSS of a running test binary is certainly above 1 MB.
  auto pos = text.find("\nprocess_resident_memory_bytes ");
  REQUIRE(pos != std::string::npos);
  auto rss = std::stod(text.substr(pos + 31));
  CHECK(rss > 1e6);
}
