#include "http/route_doc.hpp"

#include <utility>

namespace acepool::http {

route_doc::route_doc(std::string tag, std::string summary)
    : tag_(std::move(tag)), summary_(std::move(summary)) {}

route_doc& route_doc::explain(std::string text) {
  description_ = std::move(text);
  return *this;
}

route_doc& route_doc::path(std::string name, nlohmann::json schema, std::string description) {
  params_.push_back(
      {std::move(name), std::move(description), std::move(schema), param_place::path, true});
  return *this;
}

route_doc& route_doc::query(std::string name, nlohmann::json schema, std::string description,
                            bool required) {
  params_.push_back(
      {std::move(name), std::move(description), std::move(schema), param_place::query, required});
  return *this;
}

route_doc& route_doc::header(std::string name, nlohmann::json schema, std::string description) {
  params_.push_back(
      {std::move(name), std::move(description), std::move(schema), param_place::header, false});
  return *this;
}

route_doc& route_doc::body(nlohmann::json schema, bool required) {
  body_ = std::move(schema);
  body_required_ = required;
  return *this;
}

route_doc& route_doc::text_body(std::vector<std::string> media_types, std::string description,
                                bool required) {
  body_ = {{"type", "string"}, {"description", std::move(description)}};
  body_media_ = std::move(media_types);
  body_required_ = required;
  return *this;
}

route_doc& route_doc::returns(int status, nlohmann::json schema, std::string description,
                              std::string media_type) {
  answers_.push_back(
      {status, std::move(description), std::move(schema), std::move(media_type), {}});
  return *this;
}

route_doc& route_doc::with_header(std::string name, std::string description) {
  if (!answers_.empty())
    answers_.back().headers.emplace_back(std::move(name), std::move(description));
  return *this;
}

std::vector<std::string> route_doc::query_names() const {
  std::vector<std::string> out;
  for (const auto& p : params_)
    if (p.place == param_place::query) out.push_back(p.name);
  return out;
}

nlohmann::json schema_ref(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

nlohmann::json list_of(std::string_view name) {
  return {{"type", "array"}, {"items", schema_ref(name)}};
}

nlohmann::json string_schema() {
  return {{"type", "string"}};
}

nlohmann::json enum_schema(std::vector<std::string> values) {
  return {{"type", "string"}, {"enum", std::move(values)}};
}

}  // namespace acepool::http
