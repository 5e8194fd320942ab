#include "tests/common/panel_check.hpp"

#include <catch2/catch.hpp>

#include "tests/common/child_process.hpp"
#include "tests/common/test_output.hpp"

namespace acepool::testing {

nlohmann::json check_panel(const acepool_process& ace, const nlohmann::json& input,
                           std::chrono::seconds timeout) {
  temp_dir dir;
  auto file = dir.write("input.json", input.dump());
  auto r = run_program("/usr/bin/node",
                       {std::string(ACEPOOL_SOURCE_DIR) + "/tests/panel/check_panel.mjs",
                        ace.url(""), test_output_dir("panel"), file},
                       {}, timeout);
  UNSCOPED_INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  auto report = nlohmann::json::parse(r.out, nullptr, false);
  return report.is_object() ? report : nlohmann::json(nullptr);
}

}  // namespace acepool::testing
