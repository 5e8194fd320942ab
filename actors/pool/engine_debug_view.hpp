#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/pool/engine_record.hpp"

namespace acepool::actors {

/// One engine as /debug/actors/engine_registry shows it: the Engine object's fields (same
/// names as /engines) plus the registry's own (container ports, host HTTPS port, the address
/// acepool reaches it on whatever ENGINE_ADVERTISE_HOST says). `streams`: its active streams.
nlohmann::json engine_debug_view(const engine_record& e, const std::vector<std::string>& streams);

}  // namespace acepool::actors
