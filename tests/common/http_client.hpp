#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace acepool::testing {

/// One HTTP exchange as a real client saw it.
struct http_reply {
  long status = 0;       ///< 0 when the transfer failed
  long status_seen = 0;  ///< the status line received, even when the transfer failed later
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  ///< libcurl's message when the transfer failed

  /// The first header called `name` (case-insensitive).
  std::optional<std::string> header(const std::string& name) const;
};

/// A request for http_call().
struct http_request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  ///< "Name: value"
  std::optional<std::string> body;
  std::chrono::milliseconds timeout{std::chrono::seconds(20)};
};

/// Performs one request with libcurl over a real socket.
http_reply http_call(const http_request& req);

/// GET `url` with optional extra headers.
http_reply http_get(const std::string& url, std::vector<std::string> headers = {});

/// Performs many requests at once (curl multi on one thread, up to `parallel` connections).
std::vector<http_reply> http_call_many(const std::vector<http_request>& reqs, size_t parallel);

}  // namespace acepool::testing
