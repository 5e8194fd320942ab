#include "http/json_body.hpp"

namespace acepool::http {

namespace {

constexpr int max_json_depth = 32;
struct too_deep {};

}  // namespace

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
    // No body acepool reads nests deeply; a limit keeps hostile nesting off every later
    // recursion over the value (dump, comparisons).
    auto depth_guard = [](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > max_json_depth) throw too_deep{};
      return true;
    };
    auto parsed = nlohmann::json::parse(req.body, depth_guard);
    if (parsed.is_object()) {
      out.value = std::move(parsed);
      return out;
    }
    errors.add({"body"}, "value is not a valid dict", "type_error.dict");
  } catch (const nlohmann::json::parse_error& e) {
    errors.add({"body", e.byte}, std::string("JSON decode error: ") + e.what(), "json_invalid");
  } catch (const too_deep&) {
    errors.add({"body"}, "JSON nested deeper than " + std::to_string(max_json_depth) + " levels",
               "json_invalid");
  } catch (const nlohmann::json::exception& e) {
    // e.g. out_of_range.406 for a number beyond double (1e400)
    errors.add({"body"}, std::string("JSON value out of range: ") + e.what(), "value_error.number");
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
  // An unsigned value above INT64_MAX must not wrap into range.
  bool too_big = v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
  auto n = too_big ? INT64_MAX : v.get<int64_t>();
  if (too_big || n < min || n > max) {
    errors.add(
        {"body", key},
        "ensure this value is between " + std::to_string(min) + " and " + std::to_string(max),
        "value_error.number.not_in_range");
    return std::nullopt;
  }
  return n;
}

}  // namespace acepool::http
