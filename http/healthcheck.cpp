#include "http/healthcheck.hpp"

#include <curl/curl.h>

namespace acepool::http {

namespace {

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

}  // namespace

bool probe_health(const std::string& bind_host, unsigned port) {
  std::string host = bind_host;
  if (host == "0.0.0.0" || host.empty())
    host = "127.0.0.1";
  else if (host == "::")
    host = "[::1]";
  else if (host.find(':') != std::string::npos)
    host = "[" + host + "]";
  std::string url = "http://" + host + ":" + std::to_string(port) + "/health";
  CURL* h = curl_easy_init();
  if (h == nullptr) return false;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  long status = 0;
  bool ok = curl_easy_perform(h) == CURLE_OK &&
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200;
  curl_easy_cleanup(h);
  return ok;
}

}  // namespace acepool::http
