#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acepool::http {

/// Decodes `%XX` escapes (and `+` as space when `plus_is_space`); nothing on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

/// Encodes everything but unreserved characters (RFC 3986) as `%XX`.
std::string percent_encode(std::string_view s);

/// Whether `s` is one or more hexadecimal digits.
bool is_hex_digits(std::string_view s);

/// Decoded query parameters in their original order (a name may repeat).
class query_params {
 public:
  /// Parses `a=1&b=x%20y&flag`; nothing when an escape is malformed.
  static std::optional<query_params> parse(std::string_view raw);

  /// The first value of `name`.
  std::optional<std::string> get(std::string_view name) const;
  /// Whether `name` appears (even without a value).
  bool has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

  /// From now on get() and has() may only ask for these names (asserted in builds with
  /// assertions: the router passes the route's documented parameters). `names` must outlive
  /// this object.
  void restrict_reads(const std::vector<std::string>* names) { readable_ = names; }

 private:
  void check_readable(std::string_view name) const;

  std::vector<std::pair<std::string, std::string>> items_;
  const std::vector<std::string>* readable_ = nullptr;
};

}  // namespace acepool::http
