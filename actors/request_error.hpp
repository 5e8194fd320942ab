#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/typed_response_promise.hpp>

namespace acepool::actors {

/// Why an actor could not do what a request asked, as the one who asked sees it. A reply is the
/// value on success and a `caf::error` made from this enum otherwise, so no reply type carries
/// its own `found`/`ok` fields; http/actor_bridge.cpp maps every code to one HTTP status, in one
/// place. Provisioning failures keep their own table (`provision_code`, api.md), because their
/// answer body carries a recovery ETA.
enum class request_error : uint8_t {
  not_found = 1,  ///< no such stream, container or engine (HTTP 404)
  already_ended,  ///< the stream had ended before this request (HTTP 409)
  failed,         ///< the work failed outside acepool, e.g. Docker refused it (HTTP 500)
};

/// `not_found`, `already_ended` or `failed`.
const char* to_string(request_error code);

/// The CAF error for `code`, with `detail` (the human sentence the client sees) as its context.
caf::error make_error(request_error code, std::string detail);

/// A request_error read back from a reply's error.
struct request_failure {
  request_error code = request_error::failed;
  std::string detail;
};

/// The request_error inside `err`; nothing when CAF itself failed the request (timeout, actor
/// gone) or the error came from elsewhere.
std::optional<request_failure> as_request_failure(const caf::error& err);

/// Answers `rp` with the value of `outcome`, or with its error.
template <class T>
void deliver(caf::typed_response_promise<T>& rp, caf::expected<T> outcome) {
  if (outcome)
    rp.deliver(std::move(*outcome));
  else
    rp.deliver(std::move(outcome.error()));
}

}  // namespace acepool::actors
