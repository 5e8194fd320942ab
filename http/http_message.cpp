#include "http/http_message.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace acepool::http {

const char* method_name(method m) {
  switch (m) {
    case method::get:
      return "GET";
    case method::post:
      return "POST";
    case method::put:
      return "PUT";
    case method::del:
      return "DELETE";
    case method::patch:
      return "PATCH";
    case method::head:
      return "HEAD";
    case method::options:
      return "OPTIONS";
    case method::other:
      break;
  }
  return "OTHER";
}

method parse_method(std::string_view t) {
  if (t == "GET") return method::get;
  if (t == "POST") return method::post;
  if (t == "PUT") return method::put;
  if (t == "DELETE") return method::del;
  if (t == "PATCH") return method::patch;
  if (t == "HEAD") return method::head;
  if (t == "OPTIONS") return method::options;
  return method::other;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<std::string_view> request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

response response::json(int status, const nlohmann::json& body) {
  return raw_json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

response response::raw_json(int status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

response response::redirect(int status, std::string location) {
  response r;
  r.status = status;
  r.content_type.clear();
  r.headers = {{"Location", std::move(location)}};
  return r;
}

response response::error(int status, std::string_view detail) {
  return json(status, nlohmann::json{{"detail", std::string(detail)}});
}

response response::error_detail(int status, const nlohmann::json& detail) {
  return json(status, nlohmann::json{{"detail", detail}});
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 100:
      return "Continue";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 308:
      return "Permanent Redirect";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace acepool::http
