#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "http/http_message.hpp"

namespace acepool::http {

/// Collects field errors and renders them as api.md's 422 body
/// `{"detail":[{"loc":[...],"msg":"...","type":"..."}]}`.
class validation_errors {
 public:
  void add(nlohmann::json loc, std::string msg, std::string type);
  bool empty() const { return items_.empty(); }
  response to_response() const;

 private:
  nlohmann::json items_ = nlohmann::json::array();
};

/// The request body parsed as a JSON object, or the 422 response to send instead.
struct json_body {
  std::optional<nlohmann::json> value;
  response error;
};

/// Typed readers of an optional member of a request body; a wrong type adds a 422 item whose
/// `loc` is `["body", key, ...]`.
std::optional<std::string> read_string(const nlohmann::json& body, const char* key,
                                       validation_errors& errors);
/// An object of string values (`{"a":"b"}`); absent → empty.
std::map<std::string, std::string> read_string_map(const nlohmann::json& body, const char* key,
                                                   validation_errors& errors);
/// An integer within [min, max].
std::optional<int64_t> read_integer(const nlohmann::json& body, const char* key, int64_t min,
                                    int64_t max, validation_errors& errors);

/// Parses the body as a JSON object; an empty body is `{}` when `empty_is_object`.
/// Malformed JSON → 422 type `json_invalid` with the byte offset; another JSON type → 422
/// type `type_error.dict`.
json_body parse_json_object(const request& req, bool empty_is_object = true);

}  // namespace acepool::http
