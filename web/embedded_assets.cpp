#include "web/embedded_assets.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

#include "web/embedded_table.h"

namespace acepool::web {

// FNV-1a, 64 bits: enough to tell versions of a file apart in a cache (not a security hash).
std::string content_etag(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(h));
  return text;
}

namespace {

struct catalogue {
  std::vector<std::string> etags;
  std::vector<asset> files;

  catalogue() {
    etags.reserve(acepool_embedded_count);
    files.reserve(acepool_embedded_count);
    for (unsigned i = 0; i < acepool_embedded_count; ++i) {
      const auto& row = acepool_embedded_files[i];
      std::string_view bytes(row.begin, static_cast<size_t>(row.end - row.begin));
      etags.push_back(content_etag(bytes));
    }
    for (unsigned i = 0; i < acepool_embedded_count; ++i) {
      const auto& row = acepool_embedded_files[i];
      files.push_back({row.name, row.content_type,
                       std::string_view(row.begin, static_cast<size_t>(row.end - row.begin)),
                       etags[i]});
    }
  }
};

const catalogue& the_catalogue() {
  static const catalogue c;
  return c;
}

}  // namespace

const std::vector<asset>& assets() {
  return the_catalogue().files;
}

const asset* find_asset(std::string_view name) {
  for (const auto& a : the_catalogue().files)
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace acepool::web
