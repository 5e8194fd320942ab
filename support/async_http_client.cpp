#include "support/async_http_client.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <strings.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace acepool::support {

// Not anonymous: async_http_client::loop (a member type) holds transfers.
namespace http_client_detail {

constexpr size_t max_body = 1 << 20;

constexpr long stream_buffer_size = 256 << 10;  // fewer, larger reads of a fast stream

struct transfer {
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  async_http_client::callback done;
  uint64_t stream_id = 0;
  async_http_client::stream_callbacks stream;
  curl_slist* headers = nullptr;  // owned; outlives the easy handle
  bool chunked = false;           // a streaming GET's answer: Transfer-Encoding: chunked
  bool head_told = false;
  std::vector<int> sockets;  // a streaming GET's own connection attempts still open
  transfer() = default;
  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;
  ~transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

bool iequal_prefix(const char* line, size_t n, const char* prefix) {
  size_t p = std::strlen(prefix);
  return n >= p && strncasecmp(line, prefix, p) == 0;
}

// A streaming GET's head: notes a chunked body; its blank line ends the head of the answer.
size_t on_header(char* line, size_t size, size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  size_t len = size * n;
  if (iequal_prefix(line, len, "HTTP/")) {
    t->chunked = false;  // a new answer (after a 1xx) starts over
  } else if (iequal_prefix(line, len, "transfer-encoding:")) {
    std::string value(line + 18, len - 18);
    for (auto& c : value)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t->chunked = value.find("chunked") != std::string::npos;
  }
  return len;
}

// A streaming GET's sockets are its own (a fresh connection, never reused): freeze() hands the
// connected one over. (CURLINFO_ACTIVESOCKET answers only after a transfer, not during one.)
int on_socket_opened(void* user, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) static_cast<transfer*>(user)->sockets.push_back(fd);
  return CURL_SOCKOPT_OK;
}

int on_socket_closed(void* user, curl_socket_t fd) {
  auto& open = static_cast<transfer*>(user)->sockets;
  open.erase(std::remove(open.begin(), open.end(), fd), open.end());
  return ::close(fd);
}

/// The transfer's connected socket, or -1.
int connected_socket(const transfer& t) {
  for (auto it = t.sockets.rbegin(); it != t.sockets.rend(); ++it) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    if (::getpeername(*it, reinterpret_cast<sockaddr*>(&peer), &len) == 0) return *it;
  }
  return -1;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  if (t->stream_id != 0) {
    if (!t->head_told) {
      t->head_told = true;
      if (t->stream.on_head) t->stream.on_head(t->chunked);
    }
    t->stream.on_data(data, size * n);
    return size * n;
  }
  if (t->body.size() + size * n > max_body)
    return 0;  // aborts: nothing an engine says is that large
  t->body.append(data, size * n);
  return size * n;
}

}  // namespace http_client_detail

using namespace http_client_detail;

// Swappable on purpose: both bounds have defaults; callers name them
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
async_http_client::async_http_client(size_t max_pending, size_t max_connections)
    : max_pending_(max_pending), max_connections_(max_connections), multi_(curl_multi_init()) {
  curl_multi_setopt(static_cast<CURLM*>(multi_), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                    static_cast<long>(max_connections_));
  thread_ = std::thread([this] { run(); });
}

async_http_client::~async_http_client() {
  stop();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

bool async_http_client::get(std::string url, std::chrono::milliseconds timeout, callback done) {
  return get(std::move(url), timeout, {}, std::move(done));
}

bool async_http_client::get(std::string url, std::chrono::milliseconds timeout,
                            std::vector<std::string> headers, callback done) {
  if (stopping_.load()) return false;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (pending_.load() >= max_pending_) return false;
    incoming_.push_back({std::move(url), timeout, std::move(done), 0, {}, std::move(headers)});
    ++pending_;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  return true;
}

uint64_t async_http_client::stream(std::string url, std::chrono::milliseconds connect_timeout,
                                   stream_callbacks callbacks) {
  if (stopping_.load()) return 0;
  uint64_t id = next_stream_id_++;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (pending_.load() >= max_pending_) return 0;
    job j{std::move(url), connect_timeout, {}, id, std::move(callbacks), {}};
    incoming_.push_back(std::move(j));
    ++pending_;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  return id;
}

void async_http_client::cancel(uint64_t id) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    cancels_.push_back(id);
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

void async_http_client::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    tasks_.push_back(std::move(task));
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
}

void async_http_client::stop() {
  stopping_ = true;
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
}

/// What only the client's thread touches: transfers, streams by id, adopted sockets.
struct async_http_client::loop {
  struct adopted_stream {
    int fd = -1;
    stream_callbacks callbacks;
    bool frozen = false;
  };
  std::unordered_map<CURL*, std::unique_ptr<transfer>> active;
  std::unordered_map<uint64_t, CURL*> streams;
  std::unordered_map<uint64_t, adopted_stream> adopted;
  std::vector<char> read_buffer = std::vector<char>(stream_buffer_size);
};

void async_http_client::freeze(uint64_t id, std::function<void(int fd)> done) {
  post([this, id, done = std::move(done)] {
    auto& l = *loop_;
    int fd = -1;
    if (auto it = l.streams.find(id); it != l.streams.end()) {
      // The transfer leaves libcurl: a paused transfer may still read its socket into curl's
      // own buffer (multi_perform checks every handle), and those bytes would be lost to the
      // next owner. From here its socket (a duplicate) is read like an adopted one.
      CURL* h = it->second;
      auto t = l.active.find(h);
      int s = t == l.active.end() ? -1 : connected_socket(*t->second);
      int own = s >= 0 ? ::fcntl(s, F_DUPFD_CLOEXEC, 0) : -1;
      if (own >= 0) {
        ::fcntl(own, F_SETFL, ::fcntl(own, F_GETFL) | O_NONBLOCK);
        l.adopted[id] = {own, std::move(t->second->stream), true};
        l.streams.erase(it);
        curl_multi_remove_handle(static_cast<CURLM*>(multi_), h);
        curl_easy_cleanup(h);  // closes curl's descriptor, not the duplicate
        l.active.erase(t);
        fd = ::fcntl(own, F_DUPFD_CLOEXEC, 0);
      }
    } else if (auto a = l.adopted.find(id); a != l.adopted.end()) {
      a->second.frozen = true;
      fd = ::fcntl(a->second.fd, F_DUPFD_CLOEXEC, 0);
    }
    done(fd);
  });
}

void async_http_client::thaw(uint64_t id) {
  post([this, id] {
    if (auto a = loop_->adopted.find(id); a != loop_->adopted.end()) a->second.frozen = false;
  });
}

uint64_t async_http_client::adopt(int fd, stream_callbacks callbacks) {
  if (stopping_.load()) {
    ::close(fd);
    return 0;
  }
  uint64_t id = next_stream_id_++;
  ++pending_;
  post([this, id, fd, cb = std::move(callbacks)]() mutable {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    loop_->adopted[id] = {fd, std::move(cb), false};
  });
  return id;
}

void async_http_client::run() {
  auto* m = static_cast<CURLM*>(multi_);
  loop state;
  loop_ = &state;
  auto& active = state.active;
  auto& streams = state.streams;
  auto& adopted = state.adopted;
  auto finish = [&](CURL* h, CURLcode rc, const char* why = nullptr) {
    auto it = active.find(h);
    if (it == active.end()) return;
    http_result r;
    if (why != nullptr) {
      r.error = why;
    } else if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
      r.body = std::move(it->second->body);
    } else {
      r.error = it->second->error[0] != 0 ? it->second->error : curl_easy_strerror(rc);
    }
    if (rc == CURLE_HTTP_RETURNED_ERROR) {
      long status = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
    }
    auto t = std::move(it->second);
    curl_multi_remove_handle(m, h);
    curl_easy_cleanup(h);
    active.erase(it);
    if (t->stream_id != 0) streams.erase(t->stream_id);
    --pending_;
    if (t->stream_id != 0) {
      if (t->stream.on_end) t->stream.on_end(std::move(r));
    } else if (t->done) {
      t->done(std::move(r));
    }
  };
  // An adopted socket ends: closed, and its on_end told why.
  auto finish_adopted = [&](uint64_t id, http_result r) {
    auto it = adopted.find(id);
    if (it == adopted.end()) return;
    auto cb = std::move(it->second.callbacks);
    ::close(it->second.fd);
    adopted.erase(it);
    --pending_;
    if (cb.on_end) cb.on_end(std::move(r));
  };
  std::vector<curl_waitfd> waits;
  std::vector<uint64_t> waiting_ids;
  while (!stopping_.load()) {
    std::deque<job> jobs;
    std::vector<uint64_t> cancels;
    std::vector<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      jobs.swap(incoming_);
      cancels.swap(cancels_);
      tasks.swap(tasks_);
    }
    for (auto& task : tasks)
      task();
    for (auto& j : jobs) {
      CURL* h = curl_easy_init();
      auto t = std::make_unique<transfer>();
      t->done = std::move(j.done);
      t->stream_id = j.stream_id;
      t->stream = std::move(j.stream);
      curl_easy_setopt(h, CURLOPT_URL, j.url.c_str());
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      for (const auto& line : j.headers)
        t->headers = curl_slist_append(t->headers, line.c_str());
      if (t->headers != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
      if (t->stream_id == 0) {
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(j.timeout.count()));
      } else {
        curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, stream_buffer_size);
        // The body raw: the relay decodes chunks itself (see stream_callbacks::on_data).
        curl_easy_setopt(h, CURLOPT_HTTP_TRANSFER_DECODING, 0L);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, t.get());
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket_opened);
        curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, t.get());
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_socket_closed);
        curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, t.get());
        streams[t->stream_id] = h;
      }
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(j.timeout.count()));
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get());
      curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->error);
      active.emplace(h, std::move(t));
      curl_multi_add_handle(m, h);
    }
    for (auto id : cancels) {
      if (auto it = streams.find(id); it != streams.end())
        finish(it->second, CURLE_OK, "cancelled");
      else
        finish_adopted(id, http_result{0, {}, "cancelled"});
    }
    int running = 0;
    curl_multi_perform(m, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m, &queued))
      if (msg->msg == CURLMSG_DONE) finish(msg->easy_handle, msg->data.result);
    waits.clear();
    waiting_ids.clear();
    for (const auto& [id, a] : adopted) {
      if (a.frozen) continue;
      waits.push_back({a.fd, CURL_WAIT_POLLIN, 0});
      waiting_ids.push_back(id);
    }
    curl_multi_poll(m, waits.data(), static_cast<unsigned>(waits.size()), 1000, nullptr);
    for (size_t i = 0; i < waits.size(); ++i) {
      if (waits[i].revents == 0) continue;
      auto it = adopted.find(waiting_ids[i]);
      if (it == adopted.end() || it->second.frozen) continue;
      ssize_t n = ::read(it->second.fd, state.read_buffer.data(), state.read_buffer.size());
      if (n > 0) {
        it->second.callbacks.on_data(state.read_buffer.data(), static_cast<size_t>(n));
      } else if (n == 0) {
        finish_adopted(waiting_ids[i], http_result{200, {}, {}});
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        finish_adopted(waiting_ids[i], http_result{0, {}, std::strerror(errno)});
      }
    }
  }
  // Stopping: every transfer still in flight gets its callback with an error.
  std::vector<CURL*> left;
  left.reserve(active.size());
  for (auto& [h, t] : active)
    left.push_back(h);
  for (CURL* h : left)
    finish(h, CURLE_ABORTED_BY_CALLBACK);
  std::vector<uint64_t> adopted_left;
  adopted_left.reserve(adopted.size());
  for (const auto& [id, a] : adopted)
    adopted_left.push_back(id);
  for (auto id : adopted_left)
    finish_adopted(id, http_result{0, {}, "stopped"});
  std::deque<job> never_started;
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    never_started.swap(incoming_);
    tasks.swap(tasks_);
  }
  for (auto& j : never_started) {
    --pending_;
    if (j.stream_id != 0 && j.stream.on_end) j.stream.on_end(http_result{0, {}, "stopped"});
    if (j.done) j.done(http_result{0, {}, "stopped"});
  }
  // Tasks left are run so their callbacks are answered (freeze with -1, adopt closes its fd).
  for (auto& task : tasks)
    task();
  for (auto& [id, a] : adopted)
    ::close(a.fd);
  loop_ = nullptr;
}

}  // namespace acepool::support
