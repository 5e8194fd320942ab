#include "tests/common/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace acepool::testing {

namespace {

struct transfer {
  http_reply reply;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  ~transfer() { curl_slist_free_all(headers); }
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<transfer*>(user)->reply.body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' '))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n'))
      value.pop_back();
    static_cast<transfer*>(user)->reply.headers.emplace_back(line.substr(0, colon), value);
  }
  return size * n;
}

CURL* prepare(const http_request& req, transfer& t) {
  CURL* h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.error);
  if (req.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  for (const auto& hdr : req.headers)
    t.headers = curl_slist_append(t.headers, hdr.c_str());
  t.headers = curl_slist_append(t.headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.headers);
  if (req.body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body->size()));
  }
  return h;
}

void finish(CURL* h, CURLcode rc, transfer& t) {
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.reply.status_seen);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.reply.status);
  } else {
    t.reply.status = 0;
    t.reply.error = t.error[0] != 0 ? t.error : curl_easy_strerror(rc);
  }
}

}  // namespace

std::optional<std::string> http_reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    if (std::equal(k.begin(), k.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return v;
  }
  return std::nullopt;
}

http_reply http_call(const http_request& req) {
  transfer t;
  CURL* h = prepare(req, t);
  finish(h, curl_easy_perform(h), t);
  curl_easy_cleanup(h);
  return std::move(t.reply);
}

http_reply http_get(const std::string& url, std::vector<std::string> headers) {
  http_request r;
  r.url = url;
  r.headers = std::move(headers);
  return http_call(r);
}

std::vector<http_reply> http_call_many(const std::vector<http_request>& reqs, size_t parallel) {
  std::vector<std::unique_ptr<transfer>> transfers(reqs.size());
  std::vector<CURL*> handles(reqs.size(), nullptr);
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(parallel));
  size_t next = 0, running_count = 0;
  auto add_next = [&] {
    transfers[next] = std::make_unique<transfer>();
    handles[next] = prepare(reqs[next], *transfers[next]);
    curl_easy_setopt(handles[next], CURLOPT_PRIVATE, reinterpret_cast<void*>(next));
    curl_multi_add_handle(multi, handles[next]);
    ++next;
    ++running_count;
  };
  while (next < reqs.size() && running_count < parallel)
    add_next();
  while (running_count > 0) {
    int still = 0;
    curl_multi_perform(multi, &still);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* priv = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
      auto idx = reinterpret_cast<size_t>(priv);
      finish(msg->easy_handle, msg->data.result, *transfers[idx]);
      curl_multi_remove_handle(multi, msg->easy_handle);
      curl_easy_cleanup(msg->easy_handle);
      --running_count;
      if (next < reqs.size()) add_next();
    }
    if (running_count > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  curl_multi_cleanup(multi);
  std::vector<http_reply> out;
  for (auto& t : transfers)
    out.push_back(std::move(t->reply));
  return out;
}

}  // namespace acepool::testing
