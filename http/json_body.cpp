#include "http/json_body.hpp"

namespace acepool::http {

void validation_errors::add(nlohmann::json loc, std::string msg, std::string type) {
  items_.push_back({{"loc", std::move(loc)}, {"msg", std::move(msg)}, {"type", std::move(type)}});
}

response validation_errors::to_response() const {
  return response::error_detail(422, items_);
}

json_body parse_json_object(const request& req, bool empty_is_object) {
  json_body out;
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos && empty_is_object) {
    out.value = nlohmann::json::object();
    return out;
  }
  validation_errors errors;
  try {
    auto parsed = nlohmann::json::parse(req.body);
    if (parsed.is_object()) {
      out.value = std::move(parsed);
      return out;
    }
    errors.add({"body"}, "value is not a valid dict", "type_error.dict");
  } catch (const nlohmann::json::parse_error& e) {
    errors.add({"body", e.byte}, std::string("JSON decode error: ") + e.what(), "json_invalid");
  }
  out.error = errors.to_response();
  return out;
}

}  // namespace acepool::http
