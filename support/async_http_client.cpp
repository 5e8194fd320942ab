#include "support/async_http_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <unordered_map>

namespace acepool::support {

namespace {

constexpr size_t max_body = 1 << 20;

constexpr long stream_buffer_size = 256 << 10;  // fewer, larger reads of a fast stream

struct transfer {
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  async_http_client::callback done;
  uint64_t stream_id = 0;
  async_http_client::stream_callbacks stream;
  curl_slist* headers = nullptr;  // owned; outlives the easy handle
  transfer() = default;
  transfer(const transfer&) = delete;
  transfer& operator=(const transfer&) = delete;
  ~transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<transfer*>(user);
  if (t->stream_id != 0) {
    t->stream.on_data(data, size * n);
    return size * n;
  }
  if (t->body.size() + size * n > max_body)
    return 0;  // aborts: nothing an engine says is that large
  t->body.append(data, size * n);
  return size * n;
}

}  // namespace

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

void async_http_client::stop() {
  stopping_ = true;
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable()) thread_.join();
}

void async_http_client::run() {
  auto* m = static_cast<CURLM*>(multi_);
  std::unordered_map<CURL*, std::unique_ptr<transfer>> active;
  std::unordered_map<uint64_t, CURL*> streams;
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
  while (!stopping_.load()) {
    std::deque<job> jobs;
    std::vector<uint64_t> cancels;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      jobs.swap(incoming_);
      cancels.swap(cancels_);
    }
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
        streams[t->stream_id] = h;
      }
      curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(j.timeout.count()));
      curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
      curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get());
      curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->error);
      active.emplace(h, std::move(t));
      curl_multi_add_handle(m, h);
    }
    for (auto id : cancels)
      if (auto it = streams.find(id); it != streams.end())
        finish(it->second, CURLE_OK, "cancelled");
    int running = 0;
    curl_multi_perform(m, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(m, &queued))
      if (msg->msg == CURLMSG_DONE) finish(msg->easy_handle, msg->data.result);
    curl_multi_poll(m, nullptr, 0, 1000, nullptr);
  }
  // Stopping: every transfer still in flight gets its callback with an error.
  std::vector<CURL*> left;
  left.reserve(active.size());
  for (auto& [h, t] : active)
    left.push_back(h);
  for (CURL* h : left)
    finish(h, CURLE_ABORTED_BY_CALLBACK);
  std::deque<job> never_started;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    never_started.swap(incoming_);
  }
  for (auto& j : never_started) {
    --pending_;
    if (j.stream_id != 0 && j.stream.on_end) j.stream.on_end(http_result{0, {}, "stopped"});
    if (j.done) j.done(http_result{0, {}, "stopped"});
  }
}

}  // namespace acepool::support
