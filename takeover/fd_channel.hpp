#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace acepool::takeover {

/// One message between two acepool processes on a unix stream socket: a JSON text, a binary
/// attachment and open descriptors (passed with SCM_RIGHTS, any number: the channel sends them
/// in batches the kernel accepts).
struct channel_message {
  std::string header;    ///< JSON
  std::string blob;      ///< bytes the header points into
  std::vector<int> fds;  ///< owned by whoever holds the message
};

/// Closes every descriptor of `m` and forgets them.
void close_fds(channel_message& m);

/// The bounds a receiver enforces before it allocates anything.
struct channel_limits {
  size_t max_header = 16 << 20;
  size_t max_blob = size_t{1} << 30;
  size_t max_fds = 200000;
};

/// Sends `m` on the blocking unix stream socket `sock` within `timeout`; the error text on
/// failure. The descriptors stay open here (the receiver gets duplicates).
std::optional<std::string> send_message(int sock, const channel_message& m,
                                        std::chrono::milliseconds timeout);

/// Receives one message within `timeout`; `error` says why not (peer gone, malformed frame,
/// over a limit, descriptors cut by the kernel). Descriptors come close-on-exec.
std::optional<channel_message> receive_message(int sock, std::chrono::milliseconds timeout,
                                               std::string& error,
                                               const channel_limits& limits = {});

}  // namespace acepool::takeover
