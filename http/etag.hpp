#pragma once

#include <string_view>

namespace acepool::http {

/// Whether an If-None-Match value (`*`, or a list of tags, weak or strong) names `etag`
/// (quoted, as sent in ETag): the client's copy is current and 304 is the answer.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace acepool::http
