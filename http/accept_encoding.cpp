#include "http/accept_encoding.hpp"

#include "config/value_parsers.hpp"
#include "http/http_message.hpp"

namespace acepool::http {

namespace {

using config::trim;

/// Whether a parameter list (`;q=0.5`) leaves the coding acceptable: only q=0 (0, 0.0, 0.000)
/// refuses it.
bool acceptable(std::string_view params) {
  while (!params.empty()) {
    auto semi = params.find(';', 1);
    auto param = trim(params.substr(1, semi == std::string_view::npos ? semi : semi - 1));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
      auto value = param.substr(2);
      if (value.empty() || value[0] != '0') return true;
      return value.find_first_not_of("0.", 1) != std::string_view::npos;
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi);
  }
  return true;
}

}  // namespace

bool accepts_gzip(std::optional<std::string_view> accept_encoding) {
  if (!accept_encoding) return false;
  std::string_view rest = *accept_encoding;
  bool star = false, gzip = false, gzip_refused = false;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    auto semi = item.find(';');
    auto coding = trim(item.substr(0, semi));
    bool ok = semi == std::string_view::npos || acceptable(item.substr(semi));
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
      gzip = gzip || ok;
      gzip_refused = gzip_refused || !ok;
    } else if (coding == "*") {
      star = ok;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return gzip || (star && !gzip_refused);
}

}  // namespace acepool::http
