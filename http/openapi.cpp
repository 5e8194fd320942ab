#include "http/openapi.hpp"

#include <cctype>
#include <set>
#include <stdexcept>
#include <string>

#include "web/embedded_assets.hpp"

namespace acepool::http {

namespace {

using nlohmann::json;

const char* const api_description =
    "acepool runs a pool of AceStream engine containers through the Docker Engine API and relays "
    "their live MPEG-TS streams; it keeps the HTTP contracts of the acestream-orchestrator and of "
    "acexy. Every path also answers under `/api/v1` (`/api/v1/engines` is `/engines`). Every "
    "answer carries `X-Request-Id` (the caller's, when it sends a valid one). Errors are JSON "
    "`{\"detail\": ...}`.\n\n"
    "**Access.** Routes marked *write* (`x-acepool-access`) need the API key (`Authorization: "
    "Bearer <key>` or `X-API-Key: <key>`) when API_KEY is set; without API_KEY they answer only "
    "programs on the host itself (protected mode), and never a page in a browser, not even this "
    "one: to try write routes here, set API_KEY and enter it under Authorize. *read* routes need "
    "the key only with API_KEY_READS=true, `/metrics` only with METRICS_AUTH=true; the relay and "
    "the health probes are always open. Each operation's `security` says what this acepool, as "
    "configured, asks for.\n\n"
    "A method a path does not list answers 405 with `Allow`; `OPTIONS` on any path answers 204 "
    "(CORS preflight) with `Allow`. `HEAD` is answered like `GET` without the body on every GET "
    "path but the streams (`/ace/getstream`, `/events/live`).";

/// A response header every answer carries.
json request_id_header() {
  return {{"description",
           "the caller's X-Request-Id when valid (1-128 printable characters), "
           "else 16 generated hex characters"},
          {"schema", {{"type", "string"}}}};
}

/// The groups of the explorer, in the order an operator looks for them.
const std::pair<const char*, const char*> tag_order[] = {
    {"relay", "acexy's endpoints: the live MPEG-TS stream and the relays"},
    {"streams", "Streams, active and ended, with their stats"},
    {"events", "Reports of external proxies, and the live feed of state changes"},
    {"engines", "The AceStream engines of the pool"},
    {"provisioning", "Starting engines and generic containers"},
    {"pool", "Sizing and garbage collection"},
    {"containers", "Managed containers as Docker describes them"},
    {"status", "The orchestrator's status documents"},
    {"health", "Liveness, readiness, engine health and circuit breakers"},
    {"metrics", "Prometheus"},
    {"debug", "Actors and settings, for operators"},
    {"panel", "The operator's panel"},
    {"documentation", "This document and its explorer"},
};

std::string access_name(access level) {
  switch (level) {
    case access::open:
      return "open";
    case access::read:
      return "read";
    case access::write:
      return "write";
    case access::metrics:
      return "metrics";
  }
  return "open";
}

std::string lower_method(method verb) {
  std::string s(method_name(verb));
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> path_params_of(const std::string& pattern) {
  std::vector<std::string> out;
  for (size_t open = pattern.find('{'); open != std::string::npos;
       open = pattern.find('{', open + 1)) {
    auto close = pattern.find('}', open);
    if (close == std::string::npos) break;
    out.push_back(pattern.substr(open + 1, close - open - 1));
  }
  return out;
}

std::string operation_id(method verb, const std::string& pattern) {
  std::string id = lower_method(verb);
  for (char c : pattern) {
    if (c == '{')
      id += "by_";
    else if (c == '}')
      continue;
    else if (std::isalnum(static_cast<unsigned char>(c)))
      id += c;
    else if (id.back() != '_')
      id += '_';
  }
  if (!pattern.empty() && pattern.back() == '/') id += "slash";
  while (id.back() == '_')
    id.pop_back();
  return id;
}

/// An answer any route may give, whatever it documents (the router gives it).
struct shared_answer {
  int status;
  const char* name;  ///< under components/responses
  const char* schema;
  const char* description;
  bool (*applies)(const router::route_info&);
};

bool always(const router::route_info&) {
  return true;
}
bool guarded(const router::route_info& r) {
  return r.level != access::open;
}
bool takes_body(const router::route_info& r) {
  return r.verb == method::post;
}

const shared_answer shared_answers[] = {
    {400, "BadParameter", "Error",
     "A path or query parameter that is not UTF-8 or holds control characters.", always},
    {401, "Unauthorized", "Error",
     "The route needs the API key and none was sent (`WWW-Authenticate: Bearer`).", guarded},
    {403, "Forbidden", "Error",
     "A wrong key; without API_KEY, a client not on this host (protected mode); a Host outside "
     "ALLOWED_HOSTS; a page of another site.",
     guarded},
    {413, "PayloadTooLarge", "Error",
     "A body above MAX_BODY_BYTES, or a body on a route that reads none.", always},
    {415, "UnsupportedMediaType", "Error",
     "A body not sent as application/json (or as one of the text types the route names).",
     takes_body},
    {422, "ValidationFailed", "ValidationError",
     "A malformed parameter or body: each problem with its `loc`.", always},
};

json content_of(const json& schema, const std::string& media_type = "application/json") {
  return {{media_type, {{"schema", schema}}}};
}

json shared_responses() {
  json out = json::object();
  json headers = {{"X-Request-Id", request_id_header()}};
  for (const auto& a : shared_answers)
    out[a.name] = {{"description", a.description},
                   {"content", content_of(schema_ref(a.schema))},
                   {"headers", headers}};
  out["Unauthorized"]["headers"]["WWW-Authenticate"] = {{"description", "`Bearer`"},
                                                        {"schema", {{"type", "string"}}}};
  out["Failure"] = {{"description",
                     "Any other failure: 500 (with `request_id`), 503 while an actor or Docker "
                     "cannot answer, 504 past the request timeout."},
                    {"content", content_of(schema_ref("Error"))},
                    {"headers", headers}};
  return out;
}

json answer_object(const answer_doc& a) {
  json out = {{"description", a.description}};
  if (!a.schema.is_null()) out["content"] = {{a.media_type, {{"schema", a.schema}}}};
  out["headers"] = {{"X-Request-Id", request_id_header()}};
  for (const auto& [name, what] : a.headers)
    out["headers"][name] = {{"description", what}, {"schema", {{"type", "string"}}}};
  return out;
}

/// What this acepool asks a caller of a route for: the key, or nothing (open routes; read
/// routes unless API_KEY_READS; /metrics unless METRICS_AUTH; write routes in protected mode,
/// where a local caller needs nothing and anyone else cannot get in).
json security_of(access level, const key_rules& keys) {
  bool needs_key =
      keys.api_key && (level == access::write || (level == access::read && keys.key_reads) ||
                       (level == access::metrics && keys.metrics_auth));
  if (!needs_key) return json::array();
  return json::array({{{"bearer", json::array()}}, {{"apiKey", json::array()}}});
}

const char* place_name(param_place place) {
  switch (place) {
    case param_place::path:
      return "path";
    case param_place::query:
      return "query";
    case param_place::header:
      return "header";
  }
  return "query";
}

json parameters_of(const router::route_info& r) {
  auto in_pattern = path_params_of(r.pattern);
  json out = json::array();
  std::set<std::string> documented;
  for (const auto& p : r.doc.params()) {
    if (p.place == param_place::path) documented.insert(p.name);
    json one = {{"name", p.name},
                {"in", place_name(p.place)},
                {"required", p.place == param_place::path || p.required},
                {"schema", p.schema}};
    if (!p.description.empty()) one["description"] = p.description;
    out.push_back(std::move(one));
  }
  if (documented != std::set<std::string>(in_pattern.begin(), in_pattern.end()))
    throw std::logic_error("route " + r.pattern + ": its path parameters are not all documented");
  return out;
}

json responses_of(const router::route_info& r) {
  json out = json::object();
  for (const auto& a : r.doc.answers())
    out[std::to_string(a.status)] = answer_object(a);
  for (const auto& shared : shared_answers) {
    if (!shared.applies(r)) continue;
    auto key = std::to_string(shared.status);
    if (!out.contains(key)) {
      out[key] = {{"$ref", std::string("#/components/responses/") + shared.name}};
      continue;
    }
    // The route gives this status for reasons of its own too: either body may come.
    auto& mine = out[key];
    mine["description"] = mine["description"].get<std::string>() + " Or: " + shared.description;
    auto theirs = schema_ref(shared.schema);
    if (!mine.contains("content")) {
      mine["content"] = content_of(theirs);
    } else {
      auto& schema = mine["content"]["application/json"]["schema"];
      if (schema != theirs) schema = {{"anyOf", json::array({schema, theirs})}};
    }
  }
  out["default"] = {{"$ref", "#/components/responses/Failure"}};
  return out;
}

json operation_of(const router::route_info& r, const key_rules& keys) {
  if (r.doc.summary().empty() || r.doc.answers().empty())
    throw std::logic_error("route " + std::string(method_name(r.verb)) + " " + r.pattern +
                           " has no route_doc summary and answers");
  json op = {{"operationId", operation_id(r.verb, r.pattern)},
             {"summary", r.doc.summary()},
             {"tags", json::array({r.doc.tag()})},
             {"x-acepool-access", access_name(r.level)},
             {"security", security_of(r.level, keys)}};
  if (!r.doc.description().empty()) op["description"] = r.doc.description();
  auto params = parameters_of(r);
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!r.doc.body_schema().is_null()) {
    json content = json::object();
    for (const auto& media : r.doc.body_media())
      content[media] = {{"schema", r.doc.body_schema()}};
    op["requestBody"] = {{"required", r.doc.body_required()}, {"content", std::move(content)}};
  } else if (r.verb == method::post)  // the orchestrator's clients send `{}` to such routes
    op["requestBody"] = {{"required", false},
                         {"description", "any JSON body is accepted and ignored"},
                         {"content", {{"application/json", {{"schema", json::object()}}}}}};
  op["responses"] = responses_of(r);
  return op;
}

json schema_table() {
  const auto* file = web::find_asset("api/schemas.json");
  if (file == nullptr) throw std::logic_error("api/schemas.json is not built in");
  return json::parse(file->bytes);
}

}  // namespace

json openapi_document(const std::vector<router::route_info>& routes, std::string_view version,
                      const key_rules& keys) {
  json paths = json::object();
  std::set<std::string> tags;
  for (const auto& r : routes) {
    paths[r.pattern][lower_method(r.verb)] = operation_of(r, keys);
    tags.insert(r.doc.tag());
  }
  json tag_list = json::array();
  for (const auto& [name, description] : tag_order)
    if (tags.erase(name) > 0) tag_list.push_back({{"name", name}, {"description", description}});
  for (const auto& t : tags)
    tag_list.push_back({{"name", t}});
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "acepool"}, {"version", std::string(version)}, {"description", api_description}}},
      {"tags", std::move(tag_list)},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", schema_table()},
        {"responses", shared_responses()},
        {"securitySchemes",
         {{"bearer",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "API_KEY as `Authorization: Bearer <key>`"}}},
          {"apiKey",
           {{"type", "apiKey"},
            {"in", "header"},
            {"name", "X-API-Key"},
            {"description", "API_KEY as `X-API-Key: <key>`"}}}}}}},
  };
}

}  // namespace acepool::http
