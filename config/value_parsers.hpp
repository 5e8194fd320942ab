#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/settings.hpp"

// Parsers for the value types of docs/configuration.md. Each returns nothing when the text is not a
// valid value; the caller reports what is allowed.
namespace acepool::config {

/// Strips spaces and tabs at both ends.
std::string_view trim(std::string_view s);

/// `true/false/1/0/yes/no`, case-insensitive.
std::optional<bool> parse_bool(std::string_view s);

/// A decimal integer within [min, max] (no sign for non-negative ranges, no spaces inside).
std::optional<int64_t> parse_integer(std::string_view s, int64_t min, int64_t max);

/// Seconds as an integer or decimal (`30`, `0.5`) within [min_s, max_s], rounded to milliseconds.
std::optional<std::chrono::milliseconds> parse_seconds(std::string_view s, double min_s,
                                                       double max_s);

/// A Go duration as acexy accepts it (`1m30s`, `500ms`, `2h`, `1.5s`).
std::optional<std::chrono::milliseconds> parse_go_duration(std::string_view s);

/// `LOW-HIGH` with 1 <= LOW <= HIGH <= 65535.
std::optional<port_range> parse_port_range(std::string_view s);

/// Comma-separated items, each trimmed; empty items are not allowed; empty text = empty list.
std::optional<std::vector<std::string>> parse_list(std::string_view s);

/// `key=value` with exactly one `=`, a non-empty key and value and no whitespace.
std::optional<std::pair<std::string, std::string>> parse_label(std::string_view s);

/// `K=V;K2=V2`: environment names (letters, digits, `_`, not starting with a digit) and values
/// without `;`. Empty items are skipped.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_env_pairs(std::string_view s);

/// A numeric IPv4 or IPv6 address.
std::optional<std::string> parse_ip_address(std::string_view s);

/// A host name (RFC 1123 labels) or a numeric IPv4/IPv6 address.
std::optional<std::string> parse_host(std::string_view s);

/// `host:port` (IPv6 as `[addr]:port`), port 1-65535.
std::optional<host_port> parse_host_port(std::string_view s);

/// Comma-separated `host:port` items.
std::optional<std::vector<host_port>> parse_host_port_list(std::string_view s);

/// `unix:///absolute/path` or `tcp://host:port`.
std::optional<docker_endpoint> parse_docker_host(std::string_view s);

/// A Docker API version `MAJOR.MINOR` (an optional leading `v` is accepted and dropped).
std::optional<std::string> parse_api_version(std::string_view s);

/// A byte count with an optional unit `b`, `k`, `m`, `g` (powers of 1024, optional trailing
/// `b`, case-insensitive): `512m`, `1g`, `1048576`.
std::optional<uint64_t> parse_byte_size(std::string_view s);

/// An image reference: non-empty, no whitespace, no control characters.
std::optional<std::string> parse_image_ref(std::string_view s);

/// `sqlite:///relative/path`, `sqlite:////absolute/path` or `sqlite:///:memory:`; returns the
/// file path (or `:memory:`).
std::optional<std::string> parse_sqlite_url(std::string_view s);

/// A CORS origin list: `*`, or comma-separated `http(s)://host[:port]` origins.
std::optional<std::vector<std::string>> parse_cors_origins(std::string_view s);

/// `*` or a comma list of host names (lower-cased, no port); empty = none.
std::optional<std::vector<std::string>> parse_allowed_hosts(std::string_view s);

/// Renders milliseconds as seconds the way they are written in config (`30`, `0.5`).
std::string format_seconds(std::chrono::milliseconds ms);

}  // namespace acepool::config
