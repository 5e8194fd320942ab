#include "docker/docker_event_stream.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

#include "docker/docker_json.hpp"
#include "support/text_safety.hpp"

namespace acepool::docker {

namespace {

struct stream_state {
  docker_event_stream::event_handler* on_event;
  std::string pending;
  int64_t* since_ns;
  bool got_data = false;
};

size_t on_data(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<stream_state*>(user);
  s->got_data = true;
  s->pending.append(data, size * n);
  size_t pos;
  while ((pos = s->pending.find('\n')) != std::string::npos) {
    auto line = s->pending.substr(0, pos);
    s->pending.erase(0, pos + 1);
    if (auto e = parse_event(line)) {
      if (e->time_nano > 0) *s->since_ns = e->time_nano;
      (*s->on_event)(*e);
    }
  }
  return size * n;
}

}  // namespace

docker_event_stream::docker_event_stream(client_config cfg, filters f, event_handler on_event,
                                         state_handler on_state,
                                         std::chrono::milliseconds max_backoff)
    : cfg_(std::move(cfg)),
      filters_(std::move(f)),
      on_event_(std::move(on_event)),
      on_state_(std::move(on_state)),
      max_backoff_(max_backoff) {}

docker_event_stream::~docker_event_stream() {
  stop();
}

void docker_event_stream::start() {
  thread_ = std::thread([this] { run(); });
}

void docker_event_stream::stop() {
  stopping_ = true;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    if (multi_ != nullptr) curl_multi_wakeup(static_cast<CURLM*>(multi_));
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void docker_event_stream::run() {
  auto backoff = std::chrono::milliseconds(500);
  while (!stopping_) {
    // Each attempt needs the API prefix; a fresh client negotiates it (cheap: one /version).
    curl_docker_client probe(cfg_);
    auto prefix = probe.api_prefix();
    bool connected = false;
    std::string why;
    if (prefix) {
      connected = stream_once(*prefix);
      why = "event stream ended";
    } else {
      why = prefix.error().message;
    }
    if (stopping_) break;
    if (on_state_) on_state_(false, why);
    if (connected) backoff = std::chrono::milliseconds(500);
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, backoff, [this] { return stopping_.load(); });
    backoff = std::min(backoff * 2, max_backoff_);
  }
}

bool docker_event_stream::stream_once(const std::string& prefix) {
  CURL* h = curl_easy_init();
  CURLM* m = curl_multi_init();
  {
    std::lock_guard<std::mutex> guard(mutex_);
    multi_ = m;
  }
  stream_state state{&on_event_, {}, &since_ns_};
  std::string path = prefix + "/events";
  char sep = '?';
  if (!filters_.empty()) {
    auto json = support::dump_json(nlohmann::json(filters_));
    char* e = curl_easy_escape(h, json.c_str(), static_cast<int>(json.size()));
    path += std::string(1, sep) + "filters=" + e;
    sep = '&';
    curl_free(e);
  }
  // Resume where the last stream left off (Docker replays events since then).
  if (since_ns_ > 0)
    path += std::string(1, sep) + "since=" + std::to_string(since_ns_ / 1'000'000'000);
  std::string url;
  if (cfg_.endpoint.kind == config::docker_endpoint::transport::unix_socket) {
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, cfg_.endpoint.socket_path.c_str());
    url = "http://localhost" + path;
  } else {
    url = std::string(cfg_.tls_verify ? "https://" : "http://") + cfg_.endpoint.address.host + ":" +
          std::to_string(cfg_.endpoint.address.port) + path;
  }
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &state);
  curl_multi_add_handle(m, h);
  bool announced = false;
  int running = 1;
  long status = 0;
  while (running > 0 && !stopping_) {
    curl_multi_perform(m, &running);
    if (!announced) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      if (status == 200) {
        announced = true;
        if (on_state_) on_state_(true, "event stream connected");
      } else if (status != 0) {
        break;  // an HTTP error: retry later
      }
    }
    if (running > 0) curl_multi_poll(m, nullptr, 0, 1000, nullptr);
  }
  if (announced) {
    // Resume from just before this stream ended: events in the gap are replayed on reconnect
    // (a duplicate is harmless to consumers, a missed event is not).
    auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    since_ns_ = std::max<int64_t>(since_ns_, now_ns - 1'000'000'000);
  }
  {
    std::lock_guard<std::mutex> guard(mutex_);
    multi_ = nullptr;
  }
  curl_multi_remove_handle(m, h);
  curl_easy_cleanup(h);
  curl_multi_cleanup(m);
  return announced;
}

}  // namespace acepool::docker
