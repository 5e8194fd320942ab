#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace acepool::relay {

/// The body of an engine's playback answer, read from the raw bytes after its head: chunked
/// (HTTP/1.1) or as-is until the connection closes. The relay decodes the body itself (libcurl
/// passes it raw) so that where it stands inside the framing is known and can be handed to
/// another process with the connection (acepool --takeover, docs/operations.md "Upgrades").
class upstream_body {
 public:
  /// `chunked`: the answer had `Transfer-Encoding: chunked`.
  explicit upstream_body(bool chunked = false) : chunked_(chunked) {}

  /// Appends the body bytes in `data` to `out`; false once the framing is broken (the
  /// connection is then unusable) or the body ended (`ended()`), bytes after the end are ignored.
  bool decode(const char* data, size_t n, std::string& out);

  /// The last chunk (size 0) came.
  bool ended() const { return state_ == state::done; }
  bool chunked() const { return chunked_; }

  /// Where the decoder stands, for a handover.
  nlohmann::json to_json() const;
  /// A decoder restored from to_json(); nothing when the state is not one this version writes.
  static std::optional<upstream_body> from_json(const nlohmann::json& j);

 private:
  /// One byte of the framing (size line, CRLFs, trailer); false once ended or broken.
  bool framing(char c);

  enum class state : uint8_t {
    size,
    extension,
    size_lf,
    data,
    data_cr,
    data_lf,
    trailer,
    done,
    broken
  };
  bool chunked_;
  state state_ = state::size;
  uint64_t remaining_ = 0;    // bytes left of the current chunk's data
  unsigned size_digits_ = 0;  // hex digits of the size line so far
  bool trailer_line_empty_ = true;
};

}  // namespace acepool::relay
