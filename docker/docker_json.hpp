#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "docker/docker_error.hpp"
#include "docker/docker_types.hpp"

// Conversions between acepool's Docker types and the Engine API's JSON (plain functions, unit
// tested without a daemon).
namespace acepool::docker {

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

/// `"repo:tag"` split for POST /images/create (`fromImage`, `tag`); a digest or no tag keeps the
/// whole reference as `fromImage` (tag `latest` when there is neither).
struct image_name {
  std::string from_image;
  std::string tag;
};
image_name split_image_ref(const std::string& ref);

}  // namespace acepool::docker
