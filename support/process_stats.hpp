#pragma once

#include <cstdint>
#include <optional>

namespace acepool::support {

/// Resource usage of this process, read from /proc/self.
struct process_stats {
  double cpu_seconds = 0;      ///< user + system CPU time
  uint64_t rss_bytes = 0;      ///< resident set size
  uint64_t open_fds = 0;       ///< entries in /proc/self/fd
  uint64_t max_fds = 0;        ///< RLIMIT_NOFILE soft limit
  double start_time_unix = 0;  ///< process start, seconds since the epoch
};

/// Reads the current process stats; nothing when /proc is unavailable.
std::optional<process_stats> read_process_stats();

/// Counts the open file descriptors of this process.
uint64_t count_open_fds();

/// Raises the RLIMIT_NOFILE soft limit to the hard limit; returns the new soft limit.
uint64_t raise_open_file_limit();

}  // namespace acepool::support
