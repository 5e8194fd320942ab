// acepool-fanout-baseline: the same-run "speed of light" for the relay and the HTTP API.
//   stream mode: generates MPEG-TS at --bitrate into one shared ring and writes it to every
//                client with large chunked writes from one epoll thread, one write per client
//                every --coalesce-ms like acepool's relay (what a minimal relay costs on this
//                machine); a joining client gets the last --coalesce-ms of data at once;
//   fixed mode:  answers every HTTP request with a fixed small JSON body (keep-alive).
// Prints "port N" on stdout once listening.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
constexpr size_t packet = 188;
volatile std::sig_atomic_t stop_requested = 0;

struct stream_client {
  uint64_t cursor = 0;      // absolute offset of the next data byte
  uint64_t chunk_left = 0;  // data bytes left in the chunk being written
  std::string prefix;       // unsent chunk-size line
  size_t suffix_left = 0;   // unsent bytes of the CRLF after the data
  bool header_sent = false;
  std::string pending_header;  // unsent response head
  bool request_seen = false;
  std::string request;
  bool blocked = false;
};

struct fixed_client {
  std::string in;
  std::string out;
};

int listen_on(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 4096) != 0) {
    std::perror("listen");
    std::exit(1);
  }
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::printf("port %u\n", ntohs(a.sin_port));
  std::fflush(stdout);
  return fd;
}

void set_events(int ep, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

int run_fixed(int lfd) {
  static const std::string reply =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
      "15\r\n\r\n{\"status\":\"ok\"}";
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, fixed_client> clients;
  std::vector<epoll_event> events(1024);
  char buf[65536];
  while (!stop_requested) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          clients[c];
        }
        continue;
      }
      auto& cl = clients[fd];
      bool dead = false;
      if (events[i].events & EPOLLIN) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r <= 0)
          dead = r == 0 || errno != EAGAIN;
        else
          cl.in.append(buf, static_cast<size_t>(r));
        size_t pos;
        while ((pos = cl.in.find("\r\n\r\n")) != std::string::npos) {
          cl.in.erase(0, pos + 4);
          cl.out += reply;
        }
      }
      if (!dead && !cl.out.empty()) {
        ssize_t w = send(fd, cl.out.data(), cl.out.size(), MSG_NOSIGNAL);
        if (w > 0)
          cl.out.erase(0, static_cast<size_t>(w));
        else if (w < 0 && errno != EAGAIN)
          dead = true;
        set_events(ep, fd, cl.out.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
      }
      if (dead) {
        close(fd);
        clients.erase(fd);
      }
    }
  }
  return 0;
}

int run_stream(int lfd, double bitrate, size_t ring_bytes, int coalesce_ms) {
  ring_bytes -= ring_bytes % packet;
  const auto coalesce_bytes = std::max<uint64_t>(
      packet, static_cast<uint64_t>(bitrate / 8 * coalesce_ms / 1000) / packet * packet);
  uint64_t pushed_head = 0;
  std::vector<unsigned char> ring(ring_bytes);
  uint64_t head = 0;
  uint8_t cc = 0;
  uint64_t packets = 0;
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::unordered_map<int, stream_client> clients;
  std::vector<epoll_event> events(1024);
  const auto t0 = clock_type::now();
  static const std::string response_head =
      "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nTransfer-Encoding: chunked\r\n\r\n";
  static const char crlf[] = "\r\n";
  char buf[4096];
  uint64_t drops = 0;

  // Writes as much as the socket takes; false when the client is gone.
  auto flush = [&](int fd, stream_client& c) -> bool {
    while (true) {
      if (!c.pending_header.empty()) {
        ssize_t w = send(fd, c.pending_header.data(), c.pending_header.size(), MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN ? (c.blocked = true) : false;
        c.pending_header.erase(0, static_cast<size_t>(w));
        if (!c.pending_header.empty()) continue;
      }
      if (c.chunk_left == 0 && c.prefix.empty() && c.suffix_left == 0) {
        if (head - c.cursor > ring_bytes) {  // fell out of the ring: rejoin at the live edge
          c.cursor = head;
          ++drops;
        }
        uint64_t avail = head - c.cursor;
        if (avail == 0) return true;
        c.chunk_left = avail;
        char line[32];
        std::snprintf(line, sizeof line, "%llx\r\n", static_cast<unsigned long long>(avail));
        c.prefix = line;
        c.suffix_left = 2;
      }
      if (head - c.cursor > ring_bytes)
        return false;  // overwritten mid-chunk: cannot recover framing
      iovec iov[4];
      int n = 0;
      if (!c.prefix.empty()) iov[n++] = {c.prefix.data(), c.prefix.size()};
      uint64_t left = c.chunk_left;
      uint64_t pos = c.cursor % ring_bytes;
      while (left > 0 && n < 3) {
        uint64_t run = std::min<uint64_t>(left, ring_bytes - pos);
        iov[n++] = {ring.data() + pos, run};
        left -= run;
        pos = 0;
      }
      if (c.suffix_left > 0 && left == 0)
        iov[n++] = {const_cast<char*>(crlf + 2 - c.suffix_left), c.suffix_left};
      ssize_t w = writev(fd, iov, n);
      if (w < 0) return errno == EAGAIN ? (c.blocked = true) : false;
      auto written = static_cast<uint64_t>(w);
      auto take_prefix = std::min<uint64_t>(written, c.prefix.size());
      c.prefix.erase(0, take_prefix);
      written -= take_prefix;
      auto take_data = std::min<uint64_t>(written, c.chunk_left);
      c.cursor += take_data;
      c.chunk_left -= take_data;
      written -= take_data;
      c.suffix_left -= std::min<uint64_t>(written, c.suffix_left);
      if (c.chunk_left > 0 || !c.prefix.empty() || c.suffix_left > 0) {
        c.blocked = true;
        return true;
      }
    }
  };

  while (!stop_requested) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        int c;
        while ((c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          epoll_event cev{};
          cev.events = EPOLLIN;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          clients[c];
        }
        continue;
      }
      auto it = clients.find(fd);
      if (it == clients.end()) continue;
      auto& c = it->second;
      bool dead = false;
      if (events[i].events & EPOLLIN) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN)) dead = true;
        if (r > 0 && !c.request_seen) {
          c.request.append(buf, static_cast<size_t>(r));
          if (c.request.find("\r\n\r\n") != std::string::npos) {
            c.request_seen = true;
            c.pending_header = response_head;
            c.cursor = head - std::min(head, coalesce_bytes);  // packet aligned
            if (!flush(fd, c))
              dead = true;
            else if (c.blocked)
              set_events(ep, fd, EPOLLIN | EPOLLOUT);
          }
        }
      }
      if (!dead && (events[i].events & EPOLLOUT)) {
        c.blocked = false;
        dead = !flush(fd, c);
        if (!dead && !c.blocked) set_events(ep, fd, EPOLLIN);
      }
      if (dead) {
        close(fd);
        clients.erase(it);
      }
    }
    // Produce what the bitrate says is due, then push it to everyone not blocked.
    double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    auto due = static_cast<uint64_t>(elapsed * bitrate / 8 / packet);
    if (due > packets) {
      for (; packets < due; ++packets) {
        auto* p = ring.data() + head % ring_bytes;
        p[0] = 0x47;
        p[1] = 0x01;
        p[2] = 0x00;
        p[3] = static_cast<unsigned char>(0x10 | (cc++ & 0x0f));
        for (size_t b = 4; b < packet; ++b)
          p[b] = static_cast<unsigned char>(packets + b);
        head += packet;
      }
      if (head - pushed_head < coalesce_bytes) continue;
      pushed_head = head;
      std::vector<int> gone;
      for (auto& [fd, c] : clients) {
        if (!c.request_seen || c.blocked) continue;
        if (!flush(fd, c))
          gone.push_back(fd);
        else if (c.blocked)
          set_events(ep, fd, EPOLLIN | EPOLLOUT);
      }
      for (int fd : gone) {
        close(fd);
        clients.erase(fd);
      }
    }
  }
  std::fprintf(stderr, "drops %llu\n", static_cast<unsigned long long>(drops));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "stream";
  uint16_t port = 0;
  double bitrate = 4e6;
  size_t ring = 4 << 20;
  int coalesce_ms = 100;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--mode=", 0) == 0)
      mode = a.substr(7);
    else if (a.rfind("--port=", 0) == 0)
      port = static_cast<uint16_t>(std::stoi(a.substr(7)));
    else if (a.rfind("--bitrate=", 0) == 0)
      bitrate = std::stod(a.substr(10));
    else if (a.rfind("--ring-bytes=", 0) == 0)
      ring = std::stoul(a.substr(13));
    else if (a.rfind("--coalesce-ms=", 0) == 0)
      coalesce_ms = std::stoi(a.substr(14));
    else {
      std::fprintf(
          stderr,
          "usage: acepool-fanout-baseline [--mode=stream|fixed] [--port=N] [--bitrate=BPS] "
          "[--ring-bytes=N] [--coalesce-ms=N]\n");
      return 2;
    }
  }
  if ((mode != "stream" && mode != "fixed") || bitrate <= 0 || ring < 65536 || coalesce_ms < 0 ||
      coalesce_ms > 10000) {
    std::fprintf(stderr, "acepool-fanout-baseline: bad arguments\n");
    return 2;
  }
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGPIPE, SIG_IGN);
  int lfd = listen_on(port);
  return mode == "fixed" ? run_fixed(lfd) : run_stream(lfd, bitrate, ring, coalesce_ms);
}
