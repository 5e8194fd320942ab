#pragma once

#include <string>
#include <string_view>

namespace acepool::sim {

/// SHA-1 of `data` as 40 lower-case hex characters (content id → infohash, like the engine).
std::string sha1_hex(std::string_view data);

}  // namespace acepool::sim
