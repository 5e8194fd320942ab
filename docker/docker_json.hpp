#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "docker/docker_error.hpp"
#include "docker/docker_types.hpp"

// Conversions between acepool's Docker types and the Engine API's JSON (plain functions, unit
// tested without a daemon).
namespace acepool::docker {

/// Docker's Healthcheck object (nanosecond durations), as containers and services take it.
nlohmann::json healthcheck_body(const healthcheck_spec& h);

/// The body of POST /containers/create for `spec`.
nlohmann::json create_body(const container_spec& spec);

/// Parses GET /containers/json; malformed rows are skipped.
std::vector<container_summary> parse_container_list(const nlohmann::json& body);

/// Parses GET /containers/{id}/json.
container_details parse_container_details(const nlohmann::json& body);

/// Parses one line of the /events stream; nothing when the line is not an event object.
std::optional<docker_event> parse_event(const std::string& line);

/// Maps Docker's HTTP status and message to an error class.
docker_error classify_http_error(int http_status, std::string message);

/// Member `key` of `j` when `j` is an object and the member a string; else `fallback`. Docker's
/// answers are read through this, so a field of another type never throws.
std::string json_text(const nlohmann::json& j, const char* key, const char* fallback = "");

/// Whether `ref` can name a container: an id (1-64 hex digits) or a name
/// (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`, at most 255 characters, optionally after one `/`). Anything
/// else cannot exist, so it is answered 404 without asking Docker (and never becomes part of a
/// Docker API path: `../` there makes Docker redirect).
bool is_container_reference(std::string_view ref);

/// `"repo:tag"` split for POST /images/create (`fromImage`, `tag`); a digest or no tag keeps the
/// whole reference as `fromImage` (tag `latest` when there is neither).
struct image_name {
  std::string from_image;
  std::string tag;
};
image_name split_image_ref(const std::string& ref);

}  // namespace acepool::docker
