// docs/grafana/acepool.json against a real scrape: every query of the dashboard names metrics and
// labels acepool exports (tests/compat/check_dashboard.py).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/pool_test_env.hpp"

using namespace acepool;
using namespace acepool::testing;
using namespace std::chrono_literals;

namespace {

const std::string grafana_source_dir = ACEPOOL_SOURCE_DIR;

run_result check_dashboard(const std::string& dashboard, const std::string& scrape) {
  return run_program("/usr/bin/python3",
                     {grafana_source_dir + "/tests/compat/check_dashboard.py", dashboard, scrape},
                     {}, 60s);
}

}  // namespace

TEST_CASE("grafana: every query of the dashboard names metrics and labels acepool exports") {
  require_docker();
  docker_run_scope run;
  port_block ports;
  // One engine provisioned: the families that appear on first use (provisioning time) exist.
  acepool_process ace(pool_env(run, ports, {{"MIN_REPLICAS", "1"}}));
  REQUIRE(eventually([&] { return ace.engines().size() == 1; }, 60s));
  auto scrape = ace.get("/metrics");
  REQUIRE(scrape.status == 200);
  temp_dir dir;
  auto r = check_dashboard(grafana_source_dir + "/docs/grafana/acepool.json",
                           dir.write("scrape.txt", scrape.body));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains(" queries checked, 0 problems"));

  // The checker itself refuses a metric and a label acepool does not have.
  nlohmann::json wrong = {{"panels",
                           {{{"type", "timeseries"},
                             {"title", "wrong"},
                             {"targets",
                              {{{"expr", "rate(acepool_no_such_total[5m])"}},
                               {{"expr", "sum by (colour) (acepool_engines{flavour=\"x\"})"}}}}}}}};
  auto refused =
      check_dashboard(dir.write("wrong.json", wrong.dump()), dir.write("scrape2.txt", scrape.body));
  INFO(refused.out);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.out, Catch::Contains("acepool_no_such_total is not exported"));
  CHECK_THAT(refused.out, Catch::Contains("acepool_engines has no label flavour"));
  CHECK_THAT(refused.out, Catch::Contains("grouping by colour"));
}
