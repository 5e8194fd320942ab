#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool::metrics;

TEST_CASE("metric catalogue: every series of a fixed label set is rendered at 0 from the start") {
  registry r;
  register_initial_series(r);
  auto text = r.render();
  size_t series = 0;
  for (const auto* f : catalogue()) {
    if (f->own_renderer) continue;
    for (const auto& values : f->initial) {
      auto line = std::string(f->name) + render_labels(labels_of(*f, values)) + " 0\n";
      INFO(line);
      CHECK(text.find(line) != std::string::npos);
      ++series;
    }
  }
  CHECK(series > 40);
  // The orchestrator's families, under its exact names, help and labels.
  CHECK_THAT(text, Catch::Contains("# HELP orch_events_started_total stream_started events\n"
                                   "# TYPE orch_events_started_total counter\n"
                                   "orch_events_started_total 0\n"));
  CHECK_THAT(text, Catch::Contains("orch_provision_total{kind=\"acestream\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE orch_streams_active gauge\norch_streams_active 0\n"));
  // Series an operator alerts on, before their first event.
  CHECK_THAT(text, Catch::Contains("\nacepool_store_dropped_total 0\n"));
  CHECK_THAT(text, Catch::Contains("\nacepool_relay_failovers_total 0\n"));
  CHECK_THAT(text, Catch::Contains("\nacepool_engine_replacements_total{result=\"failure\"} 0\n"));
  CHECK(text.find("acepool_vpn_connected") == std::string::npos);  // VPN mode registers it
}

TEST_CASE("metric catalogue: names are unique and counters alone end in _total") {
  std::set<std::string> names;
  for (const auto* f : catalogue()) {
    INFO(f->name);
    CHECK(names.insert(std::string(f->name)).second);
    bool total = f->name.size() > 6 && f->name.substr(f->name.size() - 6) == "_total";
    CHECK(total == (f->type == family_type::counter));
    for (const auto& values : f->initial)
      CHECK(values.size() == f->labels.size());
  }
  CHECK(find_family("acepool_store_dropped_total") == &store_dropped);
  CHECK(find_family("acepool_nothing") == nullptr);
}

TEST_CASE("docs/operations.md's metrics table is the catalogue's") {
  auto doc = acepool::testing::read_file(std::string(ACEPOOL_SOURCE_DIR) + "/docs/operations.md");
  CHECK_THAT(doc, Catch::Contains(render_markdown_table()));
}
