#pragma once

#include <chrono>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"

namespace acepool::testing {

/// Runs tests/panel/check_panel.mjs (headless Chromium) against `ace` with `input` (see the
/// script's header for its modes) and returns its report, null when it printed none; the
/// script's output is shown and its exit code checked.
nlohmann::json check_panel(const acepool_process& ace, const nlohmann::json& input,
                           std::chrono::seconds timeout);

}  // namespace acepool::testing
