// acepool-hls-load: an epoll load client for HLS benchmarks. One thread runs N viewers of one live
// playlist, each on its own keep-alive connection as a player does: fetch the playlist, fetch the
// segments it has not fetched yet (on joining: only the newest), wait for the next poll, again.
// Reports join latency (first playlist request → first segment byte), request latencies,
// statuses, bytes, TS sync errors and segments missed, as one JSON object on stdout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/bench/load_kit.hpp"

namespace {

using acepool::bench::percentile;
using clock_type = std::chrono::steady_clock;
constexpr size_t ts_packet = 188;
constexpr size_t max_playlist_bytes = 1 << 20;
constexpr size_t max_head_bytes = 65536;

struct options : acepool::bench::http_target {  // the playlist's URL
  size_t viewers = 1;
  double duration_s = 20;
  double join_per_s = 0;  // 0 = all at once
  double poll_s = 2;
};

struct segment_ref {
  uint64_t sequence = 0;
  std::string path;
};

enum class phase { idle, sending, reading };

struct viewer {
  int fd = -1;
  phase state = phase::idle;
  bool asking_playlist = true;
  std::string request;
  size_t sent = 0;
  std::string head;
  bool in_body = false;
  int status = 0;
  uint64_t body_left = 0;
  uint64_t body_seen = 0;
  std::string playlist;
  clock_type::time_point asked;
  clock_type::time_point first_byte;
  bool got_first_byte = false;
  std::deque<segment_ref> to_fetch;
  bool has_fetched = false;
  uint64_t last_fetched = 0;
  clock_type::time_point next_poll;
  clock_type::time_point join_started;
  bool joined = false;
  double join_ms = 0;
};

struct totals {
  std::map<std::string, uint64_t> statuses;
  uint64_t playlists = 0, segments = 0, segment_bytes = 0, sync_errors = 0, missed = 0;
  uint64_t failures = 0, reconnects = 0;
  std::vector<double> playlist_ms, segment_first_byte_ms, join_ms;
};

// A segment URI of the playlist, resolved against the playlist's path (acepool's are relative).
std::string resolve(const std::string& playlist_path, const std::string& uri) {
  if (uri.compare(0, 1, "/") == 0) return uri;
  auto query = playlist_path.find('?');
  auto dir_end = playlist_path.rfind('/', query);
  return playlist_path.substr(0, dir_end + 1) + uri;
}

// The segments a playlist names, in order, numbered from its EXT-X-MEDIA-SEQUENCE.
std::vector<segment_ref> segments_of(const std::string& playlist, const std::string& path) {
  std::vector<segment_ref> out;
  uint64_t sequence = 0;
  size_t start = 0;
  while (start < playlist.size()) {
    auto end = playlist.find('\n', start);
    if (end == std::string::npos) end = playlist.size();
    std::string line = playlist.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    start = end + 1;
    const std::string tag = "#EXT-X-MEDIA-SEQUENCE:";
    if (line.compare(0, tag.size(), tag) == 0)
      sequence = std::strtoull(line.c_str() + tag.size(), nullptr, 10);
    else if (!line.empty() && line[0] != '#')
      out.push_back({sequence++, resolve(path, line)});
  }
  return out;
}

double ms_between(clock_type::time_point a, clock_type::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

class hls_load {
 public:
  explicit hls_load(options o) : o_(std::move(o)), viewers_(o_.viewers) {
    addr_.sin_family = AF_INET;
    addr_.sin_port = htons(o_.port);
    ep_ = epoll_create1(0);
  }

  bool address_ok() { return inet_pton(AF_INET, o_.host.c_str(), &addr_.sin_addr) == 1; }

  nlohmann::json run() {
    const auto t0 = clock_type::now();
    const auto end = t0 + std::chrono::duration_cast<clock_type::duration>(
                              std::chrono::duration<double>(o_.duration_s));
    size_t started = 0;
    std::vector<epoll_event> events(1024);
    std::vector<char> buf(256 * 1024);
    while (clock_type::now() < end) {
      size_t due = o_.viewers;
      if (o_.join_per_s > 0)
        due = std::min(
            o_.viewers,
            static_cast<size_t>(ms_between(t0, clock_type::now()) / 1000 * o_.join_per_s) + 1);
      for (; started < due; ++started) {
        viewers_[started].join_started = clock_type::now();
        viewers_[started].next_poll = viewers_[started].join_started;
      }
      const auto now = clock_type::now();
      for (size_t i = 0; i < started; ++i)
        if (viewers_[i].state == phase::idle && viewers_[i].to_fetch.empty() &&
            now >= viewers_[i].next_poll)
          ask(i, true, o_.path);
      int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 5);
      for (int e = 0; e < n; ++e)
        on_event(events[e].data.u64, events[e].events, buf);
    }
    return report(ms_between(t0, clock_type::now()) / 1000);
  }

 private:
  void ask(size_t i, bool playlist, const std::string& path) {
    auto& v = viewers_[i];
    if (v.fd < 0 && !connect_viewer(i)) return;
    v.asking_playlist = playlist;
    v.request = "GET " + path + " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) +
                "\r\nUser-Agent: acepool-hls-load\r\n\r\n";
    v.sent = 0;
    v.head.clear();
    v.in_body = false;
    v.status = 0;
    v.body_seen = 0;
    v.playlist.clear();
    v.got_first_byte = false;
    v.asked = clock_type::now();
    if (playlist)
      v.next_poll = v.asked + std::chrono::milliseconds(static_cast<int64_t>(o_.poll_s * 1000));
    v.state = phase::sending;
    watch(i, EPOLLOUT);
  }

  bool connect_viewer(size_t i) {
    auto& v = viewers_[i];
    v.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (v.fd < 0) return false;
    if (connect(v.fd, reinterpret_cast<sockaddr*>(&addr_), sizeof addr_) != 0 &&
        errno != EINPROGRESS) {
      close(v.fd);
      v.fd = -1;
      ++t_.failures;
      v.next_poll = clock_type::now() + std::chrono::seconds(1);
      return false;
    }
    epoll_event ev{};
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_ADD, v.fd, &ev);
    return true;
  }

  void watch(size_t i, uint32_t what) {
    epoll_event ev{};
    ev.events = what;
    ev.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_MOD, viewers_[i].fd, &ev);
  }

  void drop(size_t i, bool failed) {
    auto& v = viewers_[i];
    if (failed) ++t_.failures;
    epoll_ctl(ep_, EPOLL_CTL_DEL, v.fd, nullptr);
    close(v.fd);
    v.fd = -1;
    v.state = phase::idle;
    v.to_fetch.clear();
    ++t_.reconnects;
  }

  void on_event(size_t i, uint32_t what, std::vector<char>& buf) {
    auto& v = viewers_[i];
    if (v.fd < 0) return;
    if (v.state == phase::sending && (what & EPOLLOUT)) {
      ssize_t w = send(v.fd, v.request.data() + v.sent, v.request.size() - v.sent, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN) return drop(i, true);
      if (w > 0) v.sent += static_cast<size_t>(w);
      if (v.sent == v.request.size()) {
        v.state = phase::reading;
        watch(i, EPOLLIN);
      }
      return;
    }
    if (v.state == phase::idle) {
      // A keep-alive connection the server closed between requests: open a new one next time.
      return drop(i, recv(v.fd, buf.data(), buf.size(), MSG_DONTWAIT) > 0);
    }
    if (v.state != phase::reading || !(what & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    ssize_t r = recv(v.fd, buf.data(), buf.size(), 0);
    if (r == 0) return drop(i, true);
    if (r < 0) {
      if (errno != EAGAIN) drop(i, true);
      return;
    }
    consume(i, buf.data(), static_cast<size_t>(r));
  }

  void consume(size_t i, const char* data, size_t n) {
    auto& v = viewers_[i];
    if (!v.in_body) {
      v.head.append(data, n);
      auto end = v.head.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (v.head.size() > max_head_bytes) drop(i, true);
        return;
      }
      std::string head = v.head.substr(0, end);
      std::string rest = v.head.substr(end + 4);
      v.head.clear();
      v.status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
      std::transform(head.begin(), head.end(), head.begin(), ::tolower);
      auto cl = head.find("content-length:");
      if (cl == std::string::npos) return drop(i, true);
      v.body_left = std::strtoull(head.c_str() + cl + 15, nullptr, 10);
      v.in_body = true;
      ++t_.statuses[(v.asking_playlist ? "playlist " : "segment ") + std::to_string(v.status)];
      if (!rest.empty()) body(i, rest.data(), rest.size());
      if (v.in_body && v.body_left == 0) finish(i);
      return;
    }
    body(i, data, n);
  }

  void body(size_t i, const char* data, size_t n) {
    auto& v = viewers_[i];
    size_t take = std::min<uint64_t>(n, v.body_left);
    if (take > 0 && !v.got_first_byte) {
      v.got_first_byte = true;
      v.first_byte = clock_type::now();
    }
    if (v.asking_playlist) {
      if (v.playlist.size() + take > max_playlist_bytes) return drop(i, true);
      v.playlist.append(data, take);
    } else if (v.status == 200) {
      for (size_t k = 0; k < take; ++k)
        if ((v.body_seen + k) % ts_packet == 0 && static_cast<unsigned char>(data[k]) != 0x47)
          ++t_.sync_errors;
      t_.segment_bytes += take;
    }
    v.body_seen += take;
    v.body_left -= take;
    if (v.body_left == 0) finish(i);
  }

  void finish(size_t i) {
    auto& v = viewers_[i];
    const auto now = clock_type::now();
    v.state = phase::idle;
    v.in_body = false;
    if (v.asking_playlist) {
      ++t_.playlists;
      t_.playlist_ms.push_back(ms_between(v.asked, now));
      if (v.status == 200) plan(v, segments_of(v.playlist, o_.path));
    } else {
      ++t_.segments;
      if (v.got_first_byte) t_.segment_first_byte_ms.push_back(ms_between(v.asked, v.first_byte));
      if (v.status == 200 && !v.joined && v.got_first_byte) {
        v.joined = true;
        t_.join_ms.push_back(ms_between(v.join_started, v.first_byte));
      }
    }
    if (!v.to_fetch.empty()) {
      auto next = v.to_fetch.front();
      v.to_fetch.pop_front();
      ask(i, false, next.path);
    }
  }

  // Which segments to fetch: on joining only the newest; afterwards every one not yet fetched
  // (a gap means segments left the window before this viewer saw them).
  void plan(viewer& v, const std::vector<segment_ref>& listed) {
    if (listed.empty()) return;
    if (!v.has_fetched) {
      v.to_fetch.push_back(listed.back());
    } else {
      for (const auto& s : listed)
        if (s.sequence > v.last_fetched) v.to_fetch.push_back(s);
      if (!v.to_fetch.empty() && v.to_fetch.front().sequence > v.last_fetched + 1)
        t_.missed += v.to_fetch.front().sequence - v.last_fetched - 1;
    }
    if (!v.to_fetch.empty()) {
      v.has_fetched = true;
      v.last_fetched = v.to_fetch.back().sequence;
    }
  }

  nlohmann::json report(double elapsed_s) {
    size_t joined = 0;
    for (auto& v : viewers_) {
      if (v.fd >= 0) close(v.fd);
      if (v.joined) ++joined;
    }
    auto spread = [](const std::vector<double>& v) {
      return nlohmann::json{
          {"p50", percentile(v, 0.5)}, {"p99", percentile(v, 0.99)}, {"max", percentile(v, 1)}};
    };
    return {{"viewers", o_.viewers},
            {"joined", joined},
            {"duration_s", elapsed_s},
            {"statuses", t_.statuses},
            {"playlists", t_.playlists},
            {"segments", t_.segments},
            {"segment_bytes", t_.segment_bytes},
            {"sync_errors", t_.sync_errors},
            {"missed_segments", t_.missed},
            {"failures", t_.failures},
            {"reconnects", t_.reconnects},
            {"join_ms", spread(t_.join_ms)},
            {"playlist_ms", spread(t_.playlist_ms)},
            {"segment_first_byte_ms", spread(t_.segment_first_byte_ms)}};
  }

  options o_;
  std::vector<viewer> viewers_;
  sockaddr_in addr_{};
  int ep_ = -1;
  totals t_;
};

}  // namespace

int main(int argc, char** argv) {
  options o;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) { return acepool::bench::flag_value(a, name); };
    if (!value("--url").empty())
      url = value("--url");
    else if (!value("--viewers").empty())
      o.viewers = std::strtoul(value("--viewers").c_str(), nullptr, 10);
    else if (!value("--duration").empty())
      o.duration_s = std::strtod(value("--duration").c_str(), nullptr);
    else if (!value("--join-rate").empty())
      o.join_per_s = std::strtod(value("--join-rate").c_str(), nullptr);
    else if (!value("--poll").empty())
      o.poll_s = std::strtod(value("--poll").c_str(), nullptr);
    else {
      std::fprintf(stderr,
                   "usage: acepool-hls-load --url=http://127.0.0.1:PORT/ace/manifest.m3u8?id=KEY\n"
                   "       [--viewers=N] [--duration=S] [--join-rate=N/s] [--poll=S]\n");
      return 2;
    }
  }
  if (!acepool::bench::parse_http_url(url, o) || o.viewers == 0 || o.viewers > 100000 ||
      !(o.duration_s > 0) || o.duration_s > 3600 || !(o.poll_s >= 0.1) || o.poll_s > 60) {
    std::fprintf(
        stderr,
        "acepool-hls-load: bad arguments (url must be http://HOST:PORT/path, bounded counts)\n");
    return 2;
  }
  hls_load load(o);
  if (!load.address_ok()) {
    std::fprintf(stderr, "acepool-hls-load: host must be a numeric IPv4 address\n");
    return 2;
  }
  std::printf("%s\n", load.run().dump().c_str());
  return 0;
}
