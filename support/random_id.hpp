#pragma once

#include <string>

namespace acepool::support {

/// Returns `hex_chars` random lower-case hex characters (request ids, run ids).
std::string random_hex(size_t hex_chars = 16);

}  // namespace acepool::support
