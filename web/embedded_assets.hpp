#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace acepool::web {

/// A file built into the binary (web/CMakeLists.txt lists them): the image is FROM scratch and
/// nothing is fetched at run time.
struct asset {
  std::string_view name;          ///< logical name, e.g. `docs/swagger-ui.css`
  std::string_view content_type;  ///< media type for Content-Type
  std::string_view bytes;
  std::string_view etag;  ///< strong validator: a hash of the bytes, quoted
};

/// A strong ETag for `bytes`: a hash of them, quoted (the one every embedded file carries).
std::string content_etag(std::string_view bytes);

/// Every embedded file, in the order web/CMakeLists.txt lists them.
const std::vector<asset>& assets();

/// The embedded file called `name`, or nullptr.
const asset* find_asset(std::string_view name);

}  // namespace acepool::web
