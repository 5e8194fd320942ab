// acepool-load: an epoll load client for stream benchmarks. One thread opens thousands of HTTP
// connections to one URL, reads the (chunked or plain) bodies, and reports bytes, time to first
// byte and MPEG-TS sync errors per connection as one JSON object on stdout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/bench/load_kit.hpp"

namespace {

using acepool::bench::percentile;
using clock_type = std::chrono::steady_clock;
constexpr size_t ts_packet = 188;

struct options : acepool::bench::http_target {
  size_t connections = 1;
  double duration_s = 10;
  double connect_per_s = 0;  // 0 = all at once
  int rcvbuf = 0;            // 0 = kernel default
  double read_bps = 0;       // per connection; 0 = as fast as possible
  bool check_ts = false;
  double full_rate_bps = 0;             // a connection at >= 95 % of this counts as "at full rate"
  bool close_after_first_byte = false;  // join-latency probes
};

enum class phase { connecting, sending, headers, body, done };

struct connection {
  int fd = -1;
  phase state = phase::connecting;
  clock_type::time_point started;
  clock_type::time_point first_byte;
  bool got_first_byte = false;
  int status = 0;
  bool chunked = false;
  std::string head;         // response head until \r\n\r\n
  size_t sent = 0;          // request bytes sent
  uint64_t chunk_left = 0;  // bytes left in the current chunk
  int chunk_state = 0;      // 0 = size line, 1 = data, 2 = CRLF after data
  std::string size_line;
  uint64_t payload = 0;  // body bytes (de-chunked)
  uint64_t sync_errors = 0;
  bool failed = false;
  bool eof = false;
  bool closed_by_us = false;
  clock_type::time_point last_bytes;  // stall measurement: the longest wait between body bytes
  double max_gap_ms = 0;
  clock_type::time_point next_read;  // throttling
  bool paused = false;
};

void consume_payload(connection& c, const char* data, size_t n, const options& o) {
  if (n == 0) return;
  auto now = clock_type::now();
  if (!c.got_first_byte) {
    c.got_first_byte = true;
    c.first_byte = now;
  } else if (now - c.first_byte > std::chrono::seconds(1)) {  // past the start-up burst
    c.max_gap_ms = std::max(c.max_gap_ms,
                            std::chrono::duration<double, std::milli>(now - c.last_bytes).count());
  }
  c.last_bytes = now;
  if (o.check_ts) {
    for (size_t i = 0; i < n; ++i) {
      if ((c.payload + i) % ts_packet == 0 && static_cast<unsigned char>(data[i]) != 0x47)
        ++c.sync_errors;
    }
  }
  c.payload += n;
}

// De-chunks `data` into payload.
void consume_body(connection& c, const char* data, size_t n, const options& o) {
  if (!c.chunked) {
    consume_payload(c, data, n, o);
    return;
  }
  size_t i = 0;
  while (i < n) {
    if (c.chunk_state == 0) {
      char ch = data[i++];
      if (ch == '\n') {
        c.chunk_left = std::strtoull(c.size_line.c_str(), nullptr, 16);
        c.size_line.clear();
        if (c.chunk_left == 0) {
          c.eof = true;
          return;
        }
        c.chunk_state = 1;
      } else if (ch != '\r') {
        c.size_line.push_back(ch);
      }
    } else if (c.chunk_state == 1) {
      size_t take = std::min<uint64_t>(c.chunk_left, n - i);
      consume_payload(c, data + i, take, o);
      i += take;
      c.chunk_left -= take;
      if (c.chunk_left == 0) c.chunk_state = 2;
    } else {
      if (data[i++] == '\n') c.chunk_state = 0;
    }
  }
}

void consume(connection& c, const char* data, size_t n, const options& o) {
  if (c.state == phase::headers) {
    c.head.append(data, n);
    auto end = c.head.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.head.size() > 65536) c.failed = true;
      return;
    }
    std::string head = c.head.substr(0, end);
    std::string rest = c.head.substr(end + 4);
    c.head.clear();
    if (head.size() > 12) c.status = std::atoi(head.c_str() + 9);
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    c.chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
    c.state = phase::body;
    consume_body(c, rest.data(), rest.size(), o);
    return;
  }
  consume_body(c, data, n, o);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) { return acepool::bench::flag_value(a, name); };
    if (!value("--url").empty())
      url = value("--url");
    else if (!value("--connections").empty())
      o.connections = std::stoul(value("--connections"));
    else if (!value("--duration").empty())
      o.duration_s = std::stod(value("--duration"));
    else if (!value("--connect-rate").empty())
      o.connect_per_s = std::stod(value("--connect-rate"));
    else if (!value("--rcvbuf").empty())
      o.rcvbuf = std::stoi(value("--rcvbuf"));
    else if (!value("--read-bps").empty())
      o.read_bps = std::stod(value("--read-bps"));
    else if (!value("--full-rate").empty())
      o.full_rate_bps = std::stod(value("--full-rate"));
    else if (a == "--close-after-first-byte")
      o.close_after_first_byte = true;
    else if (a == "--check-ts")
      o.check_ts = true;
    else {
      std::fprintf(
          stderr,
          "usage: acepool-load --url=http://127.0.0.1:PORT/path [--connections=N] [--duration=S]\n"
          "       [--connect-rate=N/s] [--rcvbuf=BYTES] [--read-bps=B] [--full-rate=BPS]\n"
          "       [--close-after-first-byte] [--check-ts]\n");
      return 2;
    }
  }
  if (!acepool::bench::parse_http_url(url, o) || o.connections == 0 || o.connections > 100000 ||
      o.duration_s <= 0 || o.duration_s > 3600) {
    std::fprintf(
        stderr,
        "acepool-load: bad arguments (url must be http://HOST:PORT/path, bounded counts)\n");
    return 2;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o.port);
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) {
    std::fprintf(stderr, "acepool-load: host must be a numeric IPv4 address\n");
    return 2;
  }
  const std::string request = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" +
                              std::to_string(o.port) +
                              "\r\nUser-Agent: acepool-load\r\nAccept: */*\r\n\r\n";
  int ep = epoll_create1(0);
  std::vector<connection> conns(o.connections);
  const auto t0 = clock_type::now();
  const auto end = t0 + std::chrono::duration_cast<clock_type::duration>(
                            std::chrono::duration<double>(o.duration_s));
  size_t opened = 0;
  auto open_one = [&](size_t idx) {
    auto& c = conns[idx];
    c.started = clock_type::now();
    c.next_read = c.started;
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (o.rcvbuf > 0) setsockopt(c.fd, SOL_SOCKET, SO_RCVBUF, &o.rcvbuf, sizeof o.rcvbuf);
    int rc = connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (rc != 0 && errno != EINPROGRESS) {
      c.failed = true;
      c.state = phase::done;
      close(c.fd);
      c.fd = -1;
      return;
    }
    c.state = phase::sending;
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u64 = idx;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  };
  std::vector<char> buf(256 * 1024);
  std::vector<epoll_event> events(1024);
  while (clock_type::now() < end) {
    // Open connections at the configured rate.
    size_t due = o.connections;
    if (o.connect_per_s > 0) {
      double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
      due = std::min(o.connections, static_cast<size_t>(elapsed * o.connect_per_s) + 1);
    }
    while (opened < due)
      open_one(opened++);
    // Resume throttled readers whose time has come.
    auto now = clock_type::now();
    if (o.read_bps > 0) {
      for (size_t i = 0; i < conns.size(); ++i) {
        auto& c = conns[i];
        if (c.paused && c.fd >= 0 && now >= c.next_read) {
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u64 = i;
          epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
          c.paused = false;
        }
      }
    }
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 5);
    for (int e = 0; e < n; ++e) {
      auto idx = events[e].data.u64;
      auto& c = conns[idx];
      if (c.fd < 0) continue;
      if (c.state == phase::sending && (events[e].events & EPOLLOUT)) {
        ssize_t w = send(c.fd, request.data() + c.sent, request.size() - c.sent, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) c.failed = true;
        if (w > 0) c.sent += static_cast<size_t>(w);
        if (c.sent == request.size()) {
          c.state = phase::headers;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u64 = idx;
          epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if ((events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c.state != phase::sending &&
          !c.failed) {
        size_t want = buf.size();
        if (o.read_bps > 0)
          want = std::min(want, static_cast<size_t>(std::max(1.0, o.read_bps / 100)));
        ssize_t r = recv(c.fd, buf.data(), want, 0);
        if (r > 0) {
          consume(c, buf.data(), static_cast<size_t>(r), o);
          if (o.close_after_first_byte && c.got_first_byte) c.closed_by_us = true;
          if (o.read_bps > 0) {
            c.next_read = clock_type::now() + std::chrono::microseconds(static_cast<int64_t>(
                                                  1e6 * static_cast<double>(r) / o.read_bps));
            epoll_event ev{};
            ev.data.u64 = idx;
            epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
            c.paused = true;
          }
        } else if (r == 0) {
          c.eof = true;
        } else if (errno != EAGAIN) {
          c.failed = true;
        }
      }
      if (c.failed || c.eof || c.closed_by_us) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        close(c.fd);
        c.fd = -1;
        c.state = phase::done;
      }
    }
  }
  double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  nlohmann::json statuses = nlohmann::json::object();
  std::vector<double> ttfb_ms, rates, gaps_ms;
  uint64_t total = 0, sync_errors = 0, failed = 0, ended_early = 0;
  for (auto& c : conns) {
    if (c.fd >= 0) close(c.fd);
    statuses[std::to_string(c.status)] = statuses.value(std::to_string(c.status), 0) + 1;
    total += c.payload;
    sync_errors += c.sync_errors;
    if (c.failed) ++failed;
    if (c.eof) ++ended_early;
    if (c.got_first_byte) {
      ttfb_ms.push_back(
          std::chrono::duration<double, std::milli>(c.first_byte - c.started).count());
      gaps_ms.push_back(c.max_gap_ms);
      double active = std::chrono::duration<double>(clock_type::now() - c.first_byte).count();
      if (active > 0 && !c.closed_by_us)
        rates.push_back(static_cast<double>(c.payload) * 8 / active);
    }
  }
  size_t at_full_rate = 0;
  for (double r : rates)
    if (o.full_rate_bps > 0 && r >= 0.95 * o.full_rate_bps) ++at_full_rate;
  nlohmann::json out{
      {"connections", o.connections},
      {"full_rate_share", static_cast<double>(at_full_rate) / static_cast<double>(o.connections)},
      {"duration_s", elapsed},
      {"statuses", statuses},
      {"bytes", total},
      {"failed", failed},
      {"ended_early", ended_early},
      {"sync_errors", sync_errors},
      {"with_data", ttfb_ms.size()},
      {"bits_per_s_per_conn",
       {{"min", percentile(rates, 0)},
        {"median", percentile(rates, 0.5)},
        {"max", percentile(rates, 1)}}},
      {"ttfb_ms",
       {{"p50", percentile(ttfb_ms, 0.5)},
        {"p99", percentile(ttfb_ms, 0.99)},
        {"max", percentile(ttfb_ms, 1)}}},
      // Each connection's longest wait between body bytes after its first second (a stall).
      {"max_gap_ms",
       {{"p50", percentile(gaps_ms, 0.5)},
        {"p99", percentile(gaps_ms, 0.99)},
        {"max", percentile(gaps_ms, 1)},
        {"each", gaps_ms}}}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
