#include "takeover/fd_channel.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace acepool::takeover {

namespace {

using clock = std::chrono::steady_clock;

constexpr char magic[4] = {'A', 'C', 'T', 'K'};
constexpr size_t frame_size = 16;      // magic, header size, blob size, descriptor count
constexpr size_t fds_per_batch = 250;  // the kernel takes at most 253 per message (SCM_MAX_FD)

void put_u32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint32_t get_u32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

/// Waits until `sock` is ready for `events` before `deadline`; false on timeout or error.
bool wait_ready(int sock, short events, clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return false;
    pollfd p{sock, events, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

/// Sends `n` bytes, the first with `fds` attached.
std::optional<std::string> send_with_fds(int sock, const char* data, size_t n, const int* fds,
                                         size_t nfds, clock::time_point deadline) {
  size_t sent = 0;
  while (sent < n) {
    if (!wait_ready(sock, POLLOUT, deadline)) return std::string("timed out sending");
    iovec iov{const_cast<char*>(data + sent), n - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    std::vector<char> control;
    if (sent == 0 && nfds > 0) {
      control.resize(CMSG_SPACE(nfds * sizeof(int)));
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
      std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    ssize_t r = ::sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return std::string("send: ") + std::strerror(errno);
    }
    sent += static_cast<size_t>(r);
  }
  return std::nullopt;
}

/// Receives exactly `n` bytes into `out`, collecting descriptors that come with them.
std::optional<std::string> receive_exact(int sock, char* out, size_t n, std::vector<int>& fds,
                                         clock::time_point deadline) {
  size_t got = 0;
  std::vector<char> control(CMSG_SPACE(fds_per_batch * sizeof(int)));
  while (got < n) {
    if (!wait_ready(sock, POLLIN, deadline)) return std::string("timed out receiving");
    iovec iov{out + got, n - got};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t r = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return std::string("receive: ") + std::strerror(errno);
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        fds.push_back(fd);
      }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0)
      return std::string("descriptors were cut (is the open-file limit too low?)");
    if (r == 0) return std::string("the other process closed the connection");
    got += static_cast<size_t>(r);
  }
  return std::nullopt;
}

}  // namespace

void close_fds(channel_message& m) {
  for (int fd : m.fds)
    if (fd >= 0) ::close(fd);
  m.fds.clear();
}

std::optional<std::string> send_message(int sock, const channel_message& m,
                                        std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  if (m.header.size() > UINT32_MAX || m.blob.size() > UINT32_MAX || m.fds.size() > UINT32_MAX)
    return std::string("message too large");
  char frame[frame_size];
  std::memcpy(frame, magic, 4);
  put_u32(frame + 4, static_cast<uint32_t>(m.header.size()));
  put_u32(frame + 8, static_cast<uint32_t>(m.blob.size()));
  put_u32(frame + 12, static_cast<uint32_t>(m.fds.size()));
  size_t first = std::min(m.fds.size(), fds_per_batch);
  if (auto e = send_with_fds(sock, frame, frame_size, m.fds.data(), first, deadline)) return e;
  for (size_t i = first; i < m.fds.size(); i += fds_per_batch) {
    size_t n = std::min(fds_per_batch, m.fds.size() - i);
    if (auto e = send_with_fds(sock, "F", 1, m.fds.data() + i, n, deadline)) return e;
  }
  if (auto e = send_with_fds(sock, m.header.data(), m.header.size(), nullptr, 0, deadline))
    return e;
  return send_with_fds(sock, m.blob.data(), m.blob.size(), nullptr, 0, deadline);
}

std::optional<channel_message> receive_message(int sock, std::chrono::milliseconds timeout,
                                               std::string& error, const channel_limits& limits) {
  auto deadline = clock::now() + timeout;
  channel_message m;
  auto fail = [&](std::string why) -> std::optional<channel_message> {
    close_fds(m);
    error = std::move(why);
    return std::nullopt;
  };
  char frame[frame_size];
  if (auto e = receive_exact(sock, frame, frame_size, m.fds, deadline)) return fail(*e);
  if (std::memcmp(frame, magic, 4) != 0) return fail("not an acepool takeover message");
  size_t header = get_u32(frame + 4), blob = get_u32(frame + 8), nfds = get_u32(frame + 12);
  if (header > limits.max_header || blob > limits.max_blob || nfds > limits.max_fds)
    return fail("message over the limits");
  while (m.fds.size() < nfds) {
    char mark;
    if (auto e = receive_exact(sock, &mark, 1, m.fds, deadline)) return fail(*e);
    if (mark != 'F') return fail("malformed descriptor batch");
  }
  if (m.fds.size() != nfds) return fail("more descriptors than announced");
  m.header.resize(header);
  if (auto e = receive_exact(sock, m.header.data(), header, m.fds, deadline)) return fail(*e);
  m.blob.resize(blob);
  if (auto e = receive_exact(sock, m.blob.data(), blob, m.fds, deadline)) return fail(*e);
  if (m.fds.size() != nfds) return fail("descriptors came with the body");
  return m;
}

}  // namespace acepool::takeover
