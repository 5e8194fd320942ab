#include "tests/common/stream_reader.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace acepool::testing {

namespace {

int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::atomic<bool>*>(self)->load() ? 1 : 0;
}

int on_socket(void* rcvbuf, curl_socket_t fd, curlsocktype) {
  int size = *static_cast<int*>(rcvbuf);
  if (size > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return CURL_SOCKOPT_OK;
}

}  // namespace

uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

stream_reader::stream_reader(std::string url) : stream_reader(std::move(url), options{}) {}

stream_reader::stream_reader(std::string url, options o)
    : url_(std::move(url)), options_(std::move(o)) {
  started_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

stream_reader::~stream_reader() {
  stop();
}

void stream_reader::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

size_t stream_reader::on_body(char* data, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<stream_reader*>(self_ptr);
  size_t len = size * n;
  {
    std::lock_guard<std::mutex> guard(self->mutex_);
    if (!self->first_byte_s_ && len > 0)
      self->first_byte_s_ =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - self->started_).count();
    self->checker_.feed(data, len);
    if (self->kept_.size() < self->options_.keep_bytes)
      self->kept_.append(data, std::min(len, self->options_.keep_bytes - self->kept_.size()));
  }
  self->bytes_ += len;
  return len;
}

size_t stream_reader::on_header(char* data, size_t size, size_t n, void* self_ptr) {
  auto* self = static_cast<stream_reader*>(self_ptr);
  std::string line(data, size * n);
  std::string lower;
  for (char c : line)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower.rfind("http/", 0) == 0) {
    auto space = line.find(' ');
    if (space != std::string::npos) self->status_ = std::atol(line.c_str() + space + 1);
  }
  if (lower.rfind("content-type:", 0) == 0) {
    auto v = line.substr(13);
    while (!v.empty() && (v.front() == ' '))
      v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n'))
      v.pop_back();
    std::lock_guard<std::mutex> guard(self->mutex_);
    self->content_type_ = v;
  }
  return size * n;
}

void stream_reader::run() {
  CURL* h = curl_easy_init();
  char err[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const auto& hd : options_.headers)
    headers = curl_slist_append(headers, hd.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &stopping_);
  if (options_.rcvbuf > 0) {
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, &options_.rcvbuf);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 16384L);
  }
  if (options_.max_bytes_per_s > 0)
    curl_easy_setopt(h, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(options_.max_bytes_per_s));
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status != 0) status_ = status;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    error_ = err[0] ? err : curl_easy_strerror(rc);
  }
  curl_code_ = static_cast<int>(rc);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  finished_ = true;
}

std::string stream_reader::error() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return error_;
}

std::optional<double> stream_reader::first_byte_s() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return first_byte_s_;
}

ts_report stream_reader::report() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return checker_.report();
}

std::string stream_reader::kept() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return kept_;
}

std::string stream_reader::content_type() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return content_type_;
}

bool stream_reader::wait_for_bytes(uint64_t n, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (bytes_.load() < n) {
    if (finished_.load() || std::chrono::steady_clock::now() >= deadline) return bytes_.load() >= n;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool stream_reader::wait_finished(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!finished_.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace acepool::testing
