#include "http/router.hpp"

#include <algorithm>
#include <cctype>

#include <asio/ip/address.hpp>

#include <nlohmann/json.hpp>

#include "support/logging.hpp"
#include "support/random_id.hpp"
#include "support/text_safety.hpp"

namespace acepool::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t start = path.empty() || path.front() != '/' ? 0 : 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Swappable on purpose: the place name only labels the 400 detail
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
std::optional<std::string> unsafe_text_in(std::string_view where, std::string_view text) {
  if (!support::is_valid_utf8(text)) return std::string(where) + " is not valid UTF-8";
  if (support::has_control_chars(text)) return std::string(where) + " contains control characters";
  return std::nullopt;
}

/// Why a decoded path parameter or query parameter is unfit as text (nothing when all are fine).
std::optional<std::string> unsafe_text(
    const std::vector<std::pair<std::string, std::string>>& params, const query_params& query) {
  for (const auto& [name, value] : params)
    if (auto why = unsafe_text_in("path parameter '" + name + "'", value)) return why;
  for (const auto& [name, value] : query.items()) {
    if (auto why = unsafe_text_in("a query parameter name", name)) return why;
    if (auto why = unsafe_text_in("query parameter '" + name + "'", value)) return why;
  }
  return std::nullopt;
}

const std::string exposed_headers =
    "X-Request-Id, Retry-After, X-Circuit-State, X-RateLimit-Provisioning-Limit, "
    "X-RateLimit-Provisioning-Remaining, ETag, X-Acepool-Rewritten, X-Acepool-Kept";

}  // namespace

std::string_view host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [IPv6]:port
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(1, close - 1);
  }
  auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) host = host.substr(0, colon);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

bool is_loopback_host(std::string_view host) {
  auto name = lower(host_name(host));
  if (name == "localhost" ||
      (name.size() > 10 && name.compare(name.size() - 10, 10, ".localhost") == 0))
    return true;
  asio::error_code ec;
  auto ip = asio::ip::make_address(name, ec);
  return !ec && ip.is_loopback();
}

bool host_allowed(std::string_view host, const std::vector<std::string>& allowed) {
  if (allowed.size() == 1 && allowed.front() == "*") return true;
  auto name = lower(host_name(host));
  if (is_loopback_host(name)) return true;
  // An IP literal cannot be a rebinding attack: the page's own origin would be that address.
  asio::error_code ec;
  asio::ip::make_address(name, ec);
  if (!ec) return true;
  return std::find(allowed.begin(), allowed.end(), name) != allowed.end();
}

std::optional<std::string> cross_site(const request& req, const std::vector<std::string>& allowed) {
  auto origin = req.header("Origin");
  auto listed = [&](std::string_view o) {
    return std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
           std::find(allowed.begin(), allowed.end(), o) != allowed.end();
  };
  if (origin && listed(*origin)) return std::nullopt;
  if (auto site = req.header("Sec-Fetch-Site")) {
    auto value = lower(*site);
    if (value != "same-origin" && value != "none") return "Sec-Fetch-Site: " + value;
  }
  if (!origin) return std::nullopt;  // not a browser page (curl, scripts, players)
  // The page's own origin: scheme://host[:port] naming the Host it sends the request to.
  auto host = req.header("Host");
  auto o = lower(*origin);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (host && o.rfind(scheme, 0) == 0 && o.substr(scheme.size()) == lower(*host))
      return std::nullopt;
  }
  return "Origin: " + std::string(*origin);
}

bool is_json_media_type(std::optional<std::string_view> content_type) {
  if (!content_type) return false;
  auto type = lower(content_type->substr(0, content_type->find(';')));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.pop_back();
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
    type.erase(0, 1);
  if (type == "application/json") return true;
  return type.rfind("application/", 0) == 0 && type.size() > 17 &&
         type.compare(type.size() - 5, 5, "+json") == 0;
}

bool accepts_media_type(const std::vector<std::string>& accepted,
                        std::optional<std::string_view> content_type) {
  if (accepted == std::vector<std::string>{"application/json"})
    return is_json_media_type(content_type);
  if (!content_type) return false;
  auto type = lower(content_type->substr(0, content_type->find(';')));
  auto first = type.find_first_not_of(" \t");
  auto last = type.find_last_not_of(" \t");
  type = first == std::string::npos ? std::string() : type.substr(first, last - first + 1);
  return std::find(accepted.begin(), accepted.end(), type) != accepted.end();
}

bool constant_time_equals(std::string_view given, std::string_view expected) {
  // Runs over the whole given token whatever the content; only lengths leak.
  unsigned diff = given.size() == expected.size() ? 0u : 1u;
  if (expected.empty()) return given.empty();
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i]) ^
            static_cast<unsigned char>(expected[i % expected.size()]);
  return diff == 0;
}

const std::string& call::param(std::string_view name) const {
  static const std::string empty;
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return empty;
}

router::router(router_options options, metrics::registry* metrics)
    : options_(std::move(options)), metrics_(metrics) {}

void router::add(method verb, std::string pattern, access level, route_doc doc, handler fn) {
  auto segments = split_path(pattern);
  auto names = doc.query_names();
  route r{verb,  std::move(pattern), std::move(segments), level, std::move(fn),
          false, std::move(doc),     std::move(names)};
  routes_.push_back(std::move(r));
}

void router::add_stream(std::string pattern, access level, route_doc doc, handler fn) {
  add(method::get, std::move(pattern), level, std::move(doc), std::move(fn));
  routes_.back().streaming = true;
}

bool router::streams(std::string_view path) const {
  auto m = find(path);
  if (!m) return false;
  for (const route* r : m->routes)
    if (r->verb == method::get) return r->streaming;
  return false;
}

std::vector<router::route_info> router::routes() const {
  std::vector<route_info> out;
  for (const auto& r : routes_)
    out.push_back({r.verb, r.pattern, r.level, r.streaming, r.doc});
  return out;
}

std::optional<router::match> router::find(std::string_view path) const {
  // The newest orchestrator serves its routes under /api/v1/ as well as at the root.
  constexpr std::string_view versioned = "/api/v1/";
  if (path.size() >= versioned.size() && path.substr(0, versioned.size()) == versioned)
    path.remove_prefix(versioned.size() - 1);
  auto segments = split_path(path);
  std::optional<match> best;
  uint64_t best_score = 0;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    uint64_t score = 1;
    std::vector<std::pair<std::string, std::string>> params;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      if (is_param(r.segments[i])) {
        if (segments[i].empty())
          ok = false;
        else
          params.emplace_back(r.segments[i].substr(1, r.segments[i].size() - 2), segments[i]);
      } else if (r.segments[i] == segments[i]) {
        if (i < 63) score |= uint64_t{1} << (63 - i);
      } else {
        ok = false;
      }
    }
    if (!ok) continue;
    if (!best || score > best_score) {
      best = match{r.pattern, {&r}, std::move(params)};
      best_score = score;
    } else if (score == best_score && best->pattern == r.pattern) {
      best->routes.push_back(&r);
    }
  }
  return best;
}

std::optional<response> router::check_access(access level, const request& req) const {
  const bool has_key = options_.api_key.has_value();
  const bool needs_key =
      has_key && (level == access::write || (level == access::read && options_.api_key_reads) ||
                  (level == access::metrics && options_.metrics_auth));
  // Protected mode (the model is Redis's): without a key, whoever reaches the port must not get
  // the Docker socket's power, so write routes answer only local clients.
  const bool local_only = !has_key && level == access::write;
  if (!needs_key && !local_only) return std::nullopt;
  auto host = req.header("Host");
  if (host && !host_allowed(*host, options_.allowed_hosts))
    return response::error(
        403, "Host '" + std::string(host_name(*host)) +
                 "' is not allowed on this route: name it in ALLOWED_HOSTS (a guard against DNS "
                 "rebinding; IP addresses and localhost are always accepted)");
  // A page in a browser may send requests to any address, with the browser's credentials and
  // from this host; the browser says so in Origin / Sec-Fetch-Site. Only the page's own origin
  // (Origin naming the Host it talks to) or an origin in CORS_ORIGINS may change anything.
  if (auto cross = cross_site(req, options_.cors_origins))
    return response::error(403, "cross-site request refused (" + *cross +
                                    "): a web page may not call this route; list its origin in "
                                    "CORS_ORIGINS if it should");
  if (local_only) {
    // A proxy on this host connects from loopback on behalf of anyone: what it forwards is not
    // local.
    bool forwarded =
        req.header("Forwarded") || req.header("X-Forwarded-For") || req.header("X-Real-IP");
    // Without a key even a listed origin is not trusted: the key is what a page cannot have.
    bool from_page = req.header("Origin").has_value();
    if (req.peer_is_loopback && (!host || is_loopback_host(*host)) && !forwarded && !from_page)
      return std::nullopt;
    const char* const set_key =
        "set API_KEY to a long random secret (e.g. openssl rand -hex 32) and send it as "
        "'Authorization: Bearer <key>' or 'X-API-Key: <key>'";
    if (from_page && req.peer_is_loopback)  // the browser is on this host: say why it differs
      return response::error(403, std::string("while API_KEY is not set, this route refuses "
                                              "every web page, acepool's own too: ") +
                                      set_key + " (the panel asks for it)");
    return response::error(
        403,
        std::string("this route answers only clients on this host while API_KEY is not set: ") +
            set_key);
  }
  std::optional<std::string_view> given;
  if (auto auth = req.header("Authorization")) {
    constexpr std::string_view scheme = "Bearer ";
    if (auth->size() >= scheme.size() && iequals(auth->substr(0, scheme.size()), scheme))
      given = auth->substr(scheme.size());
  }
  if (!given) given = req.header("X-API-Key");
  if (!given) {
    auto r = response::error(401, "missing bearer token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  if (!constant_time_equals(*given, *options_.api_key))
    return response::error(403, "invalid token");
  return std::nullopt;
}

header_list router::cors_headers(const request& req) const {
  header_list out;
  const auto& origins = options_.cors_origins;
  if (origins.empty()) return out;  // no browser origin may call the API
  if (origins.size() == 1 && origins.front() == "*") {
    out.emplace_back("Access-Control-Allow-Origin", "*");
  } else if (auto origin = req.header("Origin")) {
    if (std::find(origins.begin(), origins.end(), *origin) != origins.end())
      out.emplace_back("Access-Control-Allow-Origin", std::string(*origin));
    out.emplace_back("Vary", "Origin");
  } else {
    out.emplace_back("Vary", "Origin");
  }
  if (!out.empty() && out.front().first == "Access-Control-Allow-Origin")
    out.emplace_back("Access-Control-Expose-Headers", exposed_headers);
  return out;
}

router::decision router::decide(const request& req) const {
  decision d;
  d.found = find(req.path);
  if (!d.found) {
    d.answer = response::error(404, "not found");
    return d;
  }
  const route* get_route = nullptr;
  for (const auto* r : d.found->routes) {
    if (r->verb == req.verb) d.target = r;
    if (r->verb == method::get) get_route = r;
  }
  // HEAD is a GET without its body (RFC 9110 §9.3.2), for every GET route but the streams
  // (MPEG-TS, the live feed): their head would open an engine session or a subscription.
  bool head_as_get = get_route != nullptr && !get_route->streaming;
  if (req.verb == method::head && d.target == nullptr && head_as_get) d.target = get_route;
  std::string allow;
  for (const auto* r : d.found->routes) {
    allow += std::string(allow.empty() ? "" : ", ") + method_name(r->verb);
    if (r == get_route && head_as_get) allow += ", HEAD";
  }
  allow += ", OPTIONS";
  if (req.verb == method::options) {
    response pre;
    pre.status = 204;
    pre.content_type.clear();
    pre.headers = {{"Allow", allow},
                   {"Access-Control-Allow-Methods", allow},
                   {"Access-Control-Allow-Headers",
                    "Authorization, X-API-Key, Content-Type, X-Request-Id, If-None-Match"},
                   {"Access-Control-Max-Age", "600"}};
    d.answer = std::move(pre);
    return d;
  }
  if (d.target == nullptr) {
    auto r = response::error(405, "method not allowed");
    r.headers.emplace_back("Allow", allow);
    d.answer = std::move(r);
    return d;
  }
  if (auto denied = check_access(d.target->level, req)) {
    d.answer = std::move(denied);
    return d;
  }
  auto size = std::max<uint64_t>(req.body.size(), req.declared_body_bytes);
  // Only POST routes read a body; one sent with anything else would only hold memory (the body
  // budget) until its deadline.
  if ((size > 0 || req.chunked_body) && req.verb != method::post && req.verb != method::put &&
      req.verb != method::patch) {
    d.answer = response::error(
        413, std::string(method_name(req.verb)) + " requests take no body on this route");
    return d;
  }
  // Bodies are JSON, or the text types a route names (an M3U playlist). A browser can send
  // text/plain, form or multipart bodies to any origin without asking first (no CORS preflight):
  // requiring one of these types makes a cross-site form unable to reach a handler (CSRF).
  if ((size > 0 || req.chunked_body) &&
      !accepts_media_type(d.target->doc.body_media(), req.header("Content-Type"))) {
    const auto& media = d.target->doc.body_media();
    std::string listed;
    for (const auto& m : media)
      listed += (listed.empty() ? "" : ", ") + m;
    d.answer = response::error(
        415, media == std::vector<std::string>{"application/json"}
                 ? "the request body must be JSON, sent with Content-Type: application/json"
                 : "the request body must be sent with Content-Type: one of " + listed);
    return d;
  }
  if (size > options_.max_body_bytes)
    d.answer = response::error(413, "request body of " + std::to_string(size) +
                                        " bytes exceeds MAX_BODY_BYTES (" +
                                        std::to_string(options_.max_body_bytes) + ")");
  return d;
}

bool router::admits_body(const request& head) const {
  return !decide(head).answer.has_value();
}

std::shared_ptr<exchange> router::open_exchange(const request& req,
                                                std::shared_ptr<response_sink> sink) const {
  auto ex = std::make_shared<exchange>();
  ex->sink = std::move(sink);
  ex->verb = req.verb;
  ex->metrics = metrics_;
  ex->extra_headers = options_.extra_headers;
  auto given_id = req.header("X-Request-Id");
  ex->request_id =
      given_id && valid_request_id(*given_id) ? std::string(*given_id) : support::random_hex(16);
  ex->common_headers.emplace_back("X-Request-Id", ex->request_id);
  for (auto& h : cors_headers(req))
    ex->common_headers.push_back(std::move(h));
  return ex;
}

void router::refuse(const std::shared_ptr<request>& head,
                    std::shared_ptr<response_sink> sink) const {
  auto ex = open_exchange(*head, std::move(sink));
  auto d = decide(*head);
  ex->route_label = d.found ? d.found->pattern : "unmatched";
  ex->complete(d.answer ? std::move(*d.answer) : internal_error(ex->request_id));
}

void router::answer_unreadable(const request& head, int status, const std::string& detail,
                               std::shared_ptr<response_sink> sink) const {
  auto ex = open_exchange(head, std::move(sink));
  ex->route_label = "unreadable";
  ex->complete(response::error(status, detail));
}

void router::dispatch(std::shared_ptr<request> req, std::shared_ptr<response_sink> sink) const {
  auto ex = open_exchange(*req, std::move(sink));
  auto d = decide(*req);
  ex->route_label = d.found ? d.found->pattern : "unmatched";
  if (d.answer) {
    ex->complete(std::move(*d.answer));
    return;
  }
  const auto& found = d.found;
  const route* target = d.target;
  call c;
  for (auto& [name, raw] : found->raw_params) {
    auto decoded = percent_decode(raw);
    if (!decoded) {
      ex->complete(response::error_detail(
          422, nlohmann::json::array({{{"loc", {"path", name}},
                                       {"msg", "malformed percent-encoding"},
                                       {"type", "value_error.percent_encoding"}}})));
      return;
    }
    c.params.emplace_back(name, std::move(*decoded));
  }
  auto query = query_params::parse(req->query);
  if (!query) {
    ex->complete(response::error_detail(
        422, nlohmann::json::array({{{"loc", {"query"}},
                                     {"msg", "malformed percent-encoding"},
                                     {"type", "value_error.percent_encoding"}}})));
    return;
  }
  // Ids and parameters become log fields, database rows and JSON answers: text that is not
  // UTF-8, or carries control characters, is refused here, once, for every route.
  if (auto bad = unsafe_text(c.params, *query)) {
    ex->complete(response::error(400, *bad));
    return;
  }
  c.query = std::move(*query);
  // Every parameter a handler reads is in /openapi.json: reading another one fails an assertion
  // (the test builds keep them), so the document cannot fall behind the code.
  if (!target->doc.summary().empty()) c.query.restrict_reads(&target->query_names);
  c.req = std::move(req);
  c.reply = responder(ex);
  try {
    target->fn(c);
  } catch (const std::exception& e) {
    log::event(spdlog::level::err, "http.handler_failed",
               {{"request_id", ex->request_id}, {"route", ex->route_label}, {"error", e.what()}});
    ex->complete(internal_error(ex->request_id));
  } catch (...) {
    log::event(spdlog::level::err, "http.handler_failed",
               {{"request_id", ex->request_id}, {"route", ex->route_label}, {"error", "unknown"}});
    ex->complete(internal_error(ex->request_id));
  }
}

}  // namespace acepool::http
