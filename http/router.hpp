#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/http_message.hpp"
#include "http/query_string.hpp"
#include "http/responder.hpp"
#include "http/route_doc.hpp"

namespace acepool::metrics {
class registry;
}

namespace acepool::http {

/// Who may call a route (docs/api.md "Conventions").
enum class access {
  open,     ///< always open (`–`)
  read,     ///< open unless API_KEY_READS=true
  write,    ///< needs the key when API_KEY is set, else a local client (protected mode) (`auth`)
  metrics,  ///< needs the key only with METRICS_AUTH=true
};

/// One request as a handler sees it.
struct call {
  std::shared_ptr<const request> req;
  std::vector<std::pair<std::string, std::string>> params;  ///< path parameters, decoded once
  query_params query;
  responder reply;

  /// The decoded path parameter `name` (empty when absent).
  const std::string& param(std::string_view name) const;
};

/// A route handler: validates, sends one message (or answers at once) and returns; the reply
/// may be sent later from any thread. Exceptions become 500 with the request id.
using handler = std::function<void(call&)>;

/// The request conventions shared by every route.
struct router_options {
  std::optional<std::string> api_key;
  bool api_key_reads = false;
  bool metrics_auth = false;
  /// Origins that get CORS headers; empty = none, {"*"} = any.
  std::vector<std::string> cors_origins;
  /// ALLOWED_HOSTS: Host names accepted on guarded routes besides IP literals and localhost.
  std::vector<std::string> allowed_hosts;
  uint64_t max_body_bytes = 1 << 20;
  /// Headers added to every response, read from a published snapshot (provisioning headers).
  std::function<header_list()> extra_headers;
};

/// Routes requests to handlers with every convention of docs/api.md: request id, CORS and
/// preflight, 404/405 (with Allow), the Host allow-list and protected mode (403), auth
/// (Bearer or X-API-Key, 401/403, constant-time compare), JSON bodies only (415), the body limit
/// (413), 500 on handler failure, and request metrics labelled by route pattern.
/// Patterns are literal segments and `{name}` parameters; a literal segment beats a parameter.
/// Every route also answers under `/api/v1` (`/api/v1/engines` is `/engines`, same label).
class router {
 public:
  router(router_options options, metrics::registry* metrics);

  /// Registers a route with what /openapi.json says about it.
  void add(method verb, std::string pattern, access level, route_doc doc, handler fn);
  /// Registers a GET route whose answer may be a long-lived stream (stream_body): the transport
  /// gives such requests a connection of their own (see streams()).
  void add_stream(std::string pattern, access level, route_doc doc, handler fn);
  /// Whether a GET of `path` goes to a route registered with add_stream().
  bool streams(std::string_view path) const;

  /// Handles one request; the response goes to `sink` exactly once (possibly later).
  void dispatch(std::shared_ptr<request> req, std::shared_ptr<response_sink> sink) const;

  /// Whether the body of a request with this head may be read: false when dispatch() would
  /// answer without running a handler (unknown route, wrong method, OPTIONS, missing or wrong
  /// credentials, a declared body above the limit). The transport then dispatches the head alone
  /// and closes the connection instead of reading the body.
  bool admits_body(const request& head) const;
  /// The most body bytes a request may carry (MAX_BODY_BYTES).
  uint64_t body_limit() const { return options_.max_body_bytes; }
  /// The conventions it was built with.
  const router_options& options() const { return options_; }

  /// Answers a request whose body admits_body() refused, from its head alone; it never reaches a
  /// handler (should the decision have changed, it is answered 500).
  void refuse(const std::shared_ptr<request>& head, std::shared_ptr<response_sink> sink) const;

  /// Answers a request the transport could not read whole (malformed, too large, too slow,
  /// over capacity) with `status` and `{"detail": ...}`, counted and labelled `unreadable`.
  /// `head` holds what was read of it (possibly nothing).
  void answer_unreadable(const request& head, int status, const std::string& detail,
                         std::shared_ptr<response_sink> sink) const;

  /// A registered route.
  struct route_info {
    method verb;
    std::string pattern;
    access level;
    bool streaming;
    route_doc doc;
  };
  std::vector<route_info> routes() const;

 private:
  struct route {
    method verb;
    std::string pattern;
    std::vector<std::string> segments;
    access level;
    handler fn;
    bool streaming = false;
    route_doc doc;
    std::vector<std::string> query_names;  ///< of doc, the only ones its handler may read
  };
  struct match {
    std::string pattern;
    std::vector<const route*> routes;  ///< every method of the best pattern
    std::vector<std::pair<std::string, std::string>> raw_params;
  };
  std::optional<match> find(std::string_view path) const;
  /// The route a request goes to, or the answer it gets without a handler.
  struct decision {
    std::optional<match> found;
    const route* target = nullptr;
    std::optional<response> answer;  ///< set when no handler runs
  };
  decision decide(const request& req) const;
  std::optional<response> check_access(access level, const request& req) const;
  std::shared_ptr<exchange> open_exchange(const request& req,
                                          std::shared_ptr<response_sink> sink) const;
  header_list cors_headers(const request& req) const;

  router_options options_;
  metrics::registry* metrics_;
  std::vector<route> routes_;
};

/// Compares two secrets in time independent of where they differ.
bool constant_time_equals(std::string_view given, std::string_view expected);

/// The host part of a Host header value (`[::1]:8000` → `::1`, `a.b.:80` → `a.b`).
std::string_view host_name(std::string_view host);
/// Whether a Host value names this machine's loopback (`localhost`, `*.localhost`, 127/8, ::1).
bool is_loopback_host(std::string_view host);
/// Whether a Host value may reach a guarded route: an IP literal, a loopback name, or a name in
/// `allowed` (ALLOWED_HOSTS; `*` = any).
bool host_allowed(std::string_view host, const std::vector<std::string>& allowed);
/// Why a request comes from a page of another site (its Origin is neither the Host it is sent
/// to nor in `allowed`, or Sec-Fetch-Site says so); nothing for same-origin pages and for clients
/// that are not browsers.
std::optional<std::string> cross_site(const request& req, const std::vector<std::string>& allowed);
/// Whether a Content-Type value is JSON (`application/json` or `application/*+json`, any
/// parameters).
bool is_json_media_type(std::optional<std::string_view> content_type);

/// Whether `content_type` (parameters ignored, any case) is one of `accepted` (lower case);
/// `{"application/json"}` also takes `application/*+json`.
bool accepts_media_type(const std::vector<std::string>& accepted,
                        std::optional<std::string_view> content_type);

}  // namespace acepool::http
