#include "docker/docker_error.hpp"

namespace acepool::docker {

const char* to_string(docker_errc code) {
  switch (code) {
    case docker_errc::not_found:
      return "not_found";
    case docker_errc::conflict:
      return "conflict";
    case docker_errc::daemon_unreachable:
      return "daemon_unreachable";
    case docker_errc::image_missing:
      return "image_missing";
    case docker_errc::port_in_use:
      return "port_in_use";
    case docker_errc::timeout:
      return "timeout";
    case docker_errc::bad_request:
      return "bad_request";
    case docker_errc::no_node:
      return "no_node";
    case docker_errc::other:
      break;
  }
  return "other";
}

}  // namespace acepool::docker
