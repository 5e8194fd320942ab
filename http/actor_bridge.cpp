#include "http/actor_bridge.hpp"

#include <caf/sec.hpp>

#include "actors/request_error.hpp"
#include "support/logging.hpp"

namespace acepool::http {

int http_status(actors::request_error code) {
  switch (code) {
    case actors::request_error::not_found:
      return 404;
    case actors::request_error::already_ended:
      return 409;
    case actors::request_error::failed:
      return 500;
  }
  return 500;
}

response response_for(const caf::error& err, caf::actor_system& sys,
                      const std::string& request_id) {
  if (auto failure = actors::as_request_failure(err))
    return response::error(http_status(failure->code), failure->detail);
  if (err == caf::sec::request_timeout)
    return response::error(504, "the request timed out inside acepool");
  if (err == caf::sec::request_receiver_down || err == caf::sec::invalid_argument)
    return response::error(503, "service is shutting down");
  log::event(spdlog::level::err, "http.actor_error",
             {{"request_id", request_id}, {"error", sys.render(err)}});
  return internal_error(request_id);
}

}  // namespace acepool::http
