#pragma once

#include <string>

namespace acepool::testing {

/// `<build>/test-output/<name>`, created: where a test leaves what a person may want to look at
/// after it (generated documents, recorded answers, screenshots). Kept between runs; each test
/// overwrites its own files.
std::string test_output_dir(const std::string& name);

}  // namespace acepool::testing
