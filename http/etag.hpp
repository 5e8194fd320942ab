#pragma once

#include <string_view>

#include "http/http_message.hpp"

namespace acepool::http {

/// Whether an If-None-Match value (`*`, or a list of tags, weak or strong) names `etag`
/// (quoted, as sent in ETag): the client's copy is current and 304 is the answer.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

/// `full`, or 304 when `req`'s If-None-Match names `etag`: no body, Content-Type or
/// Content-Encoding; its other headers (ETag, Cache-Control, Vary, ...) kept.
response not_modified_or(const request& req, std::string_view etag, response full);

}  // namespace acepool::http
