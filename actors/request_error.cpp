#include "actors/request_error.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace acepool::actors {

namespace {
constexpr caf::atom_value category = caf::atom("acepool");
}

const char* to_string(request_error code) {
  switch (code) {
    case request_error::not_found:
      return "not_found";
    case request_error::already_ended:
      return "already_ended";
    case request_error::failed:
      return "failed";
  }
  return "failed";
}

caf::error make_error(request_error code, std::string detail) {
  return caf::error(static_cast<uint8_t>(code), category, caf::make_message(std::move(detail)));
}

std::optional<request_failure> as_request_failure(const caf::error& err) {
  if (err.category() != category) return std::nullopt;
  auto code = err.code();
  if (code < static_cast<uint8_t>(request_error::not_found) ||
      code > static_cast<uint8_t>(request_error::failed))
    return std::nullopt;
  request_failure out{static_cast<request_error>(code), {}};
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) out.detail = ctx.get_as<std::string>(0);
  if (out.detail.empty()) out.detail = to_string(out.code);
  return out;
}

}  // namespace acepool::actors
