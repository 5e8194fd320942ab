#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace acepool::http {

/// Where a parameter comes from (OpenAPI's `in`).
enum class param_place { path, query, header };

/// A parameter a route reads: a `{name}` of its path, a query parameter or a request header.
struct param_doc {
  std::string name;
  std::string description;
  nlohmann::json schema;  ///< JSON Schema of the decoded value
  param_place place = param_place::query;
  bool required = false;
};

/// One answer a route gives.
struct answer_doc {
  int status = 200;
  std::string description;
  nlohmann::json schema;  ///< JSON Schema of the body (null: no body)
  std::string media_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  ///< name, what it says
};

/// What /openapi.json says about a route. The router keeps it beside the handler, so the
/// document is generated from the table requests are dispatched by. The answers every route
/// shares (401/403 by its access level, 413/415/422 for a body, 422 for a malformed parameter,
/// the error document of any other failure) are added by the generator (http/openapi.cpp).
///
///   route_doc("engines", "One engine with its streams")
///       .path("container_id", string_schema(), "full id, name or a unique prefix")
///       .returns(200, schema_ref("EngineWithStreams"), "the engine")
///       .returns(404, schema_ref("Error"), "no such engine")
class route_doc {
 public:
  route_doc() = default;
  /// A route in group `tag` that does what `summary` says.
  route_doc(std::string tag, std::string summary);

  /// Adds a longer explanation (CommonMark).
  route_doc& explain(std::string text);
  /// Documents the path parameter `{name}`.
  route_doc& path(std::string name, nlohmann::json schema, std::string description);
  /// Documents a query parameter; handlers may read only documented ones (query_params checks).
  route_doc& query(std::string name, nlohmann::json schema, std::string description,
                   bool required = false);
  /// Documents a request header the route reads.
  route_doc& header(std::string name, nlohmann::json schema, std::string description);
  /// The route reads a JSON body of this schema.
  route_doc& body(nlohmann::json schema, bool required = false);
  /// The route reads a text body sent as one of `media_types` (the router answers 415 to any
  /// other); none of them may be a type a browser sends cross-site without asking (text/plain,
  /// forms), so such a body cannot come from another site's page.
  route_doc& text_body(std::vector<std::string> media_types, std::string description,
                       bool required = false);
  /// An answer with a JSON body (`schema`), or of another media type.
  route_doc& returns(int status, nlohmann::json schema, std::string description,
                     std::string media_type = "application/json");
  /// The answer added last carries response header `name` (X-Request-Id is on every answer).
  route_doc& with_header(std::string name, std::string description);

  const std::string& tag() const { return tag_; }
  const std::string& summary() const { return summary_; }
  const std::string& description() const { return description_; }
  const std::vector<param_doc>& params() const { return params_; }
  const nlohmann::json& body_schema() const { return body_; }
  /// The media types the body may be sent as (application/json unless text_body()).
  const std::vector<std::string>& body_media() const { return body_media_; }
  bool body_required() const { return body_required_; }
  const std::vector<answer_doc>& answers() const { return answers_; }
  /// The names of the documented query parameters.
  std::vector<std::string> query_names() const;

 private:
  std::string tag_, summary_, description_;
  std::vector<param_doc> params_;
  nlohmann::json body_;
  std::vector<std::string> body_media_{"application/json"};
  bool body_required_ = false;
  std::vector<answer_doc> answers_;
};

/// `{"$ref": "#/components/schemas/<name>"}` (http/api_schemas.json holds the table).
nlohmann::json schema_ref(std::string_view name);
/// A JSON array of `<name>` documents.
nlohmann::json list_of(std::string_view name);
/// `{"type": "string"}`.
nlohmann::json string_schema();
/// A string that is one of `values`.
nlohmann::json enum_schema(std::vector<std::string> values);

}  // namespace acepool::http
