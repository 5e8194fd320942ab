#include "tests/common/test_output.hpp"

#include <filesystem>

namespace acepool::testing {

std::string test_output_dir(const std::string& name) {
  auto dir = std::string(ACEPOOL_TEST_OUTPUT_DIR) + "/" + name;
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace acepool::testing
