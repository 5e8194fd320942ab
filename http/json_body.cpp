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

namespace acepool::http {

std::optional<std::string> read_string(const nlohmann::json& body, const char* key,
                                       validation_errors& errors) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_string()) {
    errors.add({"body", key}, "str type expected", "type_error.str");
    return std::nullopt;
  }
  return body[key].get<std::string>();
}

std::map<std::string, std::string> read_string_map(const nlohmann::json& body, const char* key,
                                                   validation_errors& errors) {
  std::map<std::string, std::string> out;
  if (!body.contains(key) || body[key].is_null()) return out;
  if (!body[key].is_object()) {
    errors.add({"body", key}, "value is not a valid dict", "type_error.dict");
    return out;
  }
  for (const auto& [k, v] : body[key].items()) {
    if (!v.is_string()) {
      errors.add({"body", key, k}, "str type expected", "type_error.str");
      continue;
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

std::optional<int64_t> read_integer(const nlohmann::json& body, const char* key, int64_t min,
                                    int64_t max, validation_errors& errors) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  const auto& v = body[key];
  if (!v.is_number_integer()) {
    errors.add({"body", key}, "value is not a valid integer", "type_error.integer");
    return std::nullopt;
  }
  auto n = v.get<int64_t>();
  if (n < min || n > max) {
    errors.add(
        {"body", key},
        "ensure this value is between " + std::to_string(min) + " and " + std::to_string(max),
        "value_error.number.not_in_range");
    return std::nullopt;
  }
  return n;
}

}  // namespace acepool::http
