#pragma once

#include <string>

namespace acepool::testing {

/// Ends the test process with ctest's skip code 77 (the executable's tests carry
/// SKIP_RETURN_CODE 77), saying why; under CI=true a skip is a failure (exit 1).
[[noreturn]] void skip_test(const std::string& why);

}  // namespace acepool::testing
