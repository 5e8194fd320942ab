#pragma once

#include <optional>
#include <string_view>

namespace acepool::http {

/// Whether an Accept-Encoding value lets the answer be gzip-compressed: `gzip` (or `x-gzip`, or
/// `*`) listed without `q=0` (RFC 9110 12.5.3). No header: no.
bool accepts_gzip(std::optional<std::string_view> accept_encoding);

}  // namespace acepool::http
