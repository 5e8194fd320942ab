#include "docker/curl_docker_client.hpp"

#include <curl/curl.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "docker/docker_json.hpp"
#include "support/text_safety.hpp"

namespace acepool::docker {

using nlohmann::json;

namespace {

size_t collect(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* flag = static_cast<const std::atomic<bool>*>(user);
  return flag != nullptr && flag->load() ? 1 : 0;
}

docker_error transport_error(CURLcode rc, const char* detail) {
  docker_error e;
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      e.code = docker_errc::timeout;
      break;
    case CURLE_ABORTED_BY_CALLBACK:
      e.code = docker_errc::other;
      break;
    default:
      e.code = docker_errc::daemon_unreachable;
      break;
  }
  e.message =
      std::string("docker daemon: ") + (detail && *detail ? detail : curl_easy_strerror(rc));
  return e;
}

// Versions compare numerically per component ("1.9" < "1.41").
bool version_less(const std::string& a, const std::string& b) {
  auto parse = [](const std::string& v) {
    auto dot = v.find('.');
    return std::make_pair(std::atoi(v.substr(0, dot).c_str()),
                          dot == std::string::npos ? 0 : std::atoi(v.substr(dot + 1).c_str()));
  };
  return parse(a) < parse(b);
}

}  // namespace

client_config client_config::from(const config::docker_settings& s) {
  client_config c;
  c.endpoint = s.host;
  c.api_version = s.api_version;
  c.tls_verify = s.tls_verify;
  c.cert_path = s.cert_path;
  return c;
}

std::string docker_message(const std::string& body) {
  // A message ends up in logs, /orchestrator/status and error answers: one screen at most (a
  // proxy's HTML error page is not a message).
  constexpr size_t longest = 300;
  auto j = json::parse(body, nullptr, false);
  std::string text = j.is_object() && j.contains("message") && j["message"].is_string()
                         ? j["message"].get<std::string>()
                         : body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.size() > longest) {
    text.resize(longest);
    // Do not leave half a UTF-8 sequence behind.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80)
      text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
    text += "…";
  }
  return text;
}

curl_docker_client::curl_docker_client(client_config cfg)
    : cfg_(std::move(cfg)), handle_(curl_easy_init()) {}

curl_docker_client::~curl_docker_client() {
  curl_easy_cleanup(static_cast<CURL*>(handle_));
}

std::string curl_docker_client::escape(const std::string& s) {
  char* e = curl_easy_escape(static_cast<CURL*>(handle_), s.c_str(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

curl_docker_client::reply curl_docker_client::call(const char* method, const std::string& path,
                                                   const std::string* body,
                                                   std::chrono::milliseconds timeout) {
  auto* h = static_cast<CURL*>(handle_);
  curl_easy_reset(h);  // keeps the connection cache (keep-alive)
  reply r;
  char error[CURL_ERROR_SIZE] = {0};
  std::string url;
  const auto& ep = cfg_.endpoint;
  if (ep.kind == config::docker_endpoint::transport::unix_socket) {
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, ep.socket_path.c_str());
    url = "http://localhost" + path;
  } else {
    url = std::string(cfg_.tls_verify ? "https://" : "http://") + ep.address.host + ":" +
          std::to_string(ep.address.port) + path;
    if (cfg_.tls_verify) {
      std::string dir = cfg_.cert_path.value_or(
          std::string(std::getenv("HOME") ? std::getenv("HOME") : "") + "/.docker");
      curl_easy_setopt(h, CURLOPT_CAINFO, (dir + "/ca.pem").c_str());
      curl_easy_setopt(h, CURLOPT_SSLCERT, (dir + "/cert.pem").c_str());
      curl_easy_setopt(h, CURLOPT_SSLKEY, (dir + "/key.pem").c_str());
    }
  }
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(cfg_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cfg_.cancel.get()));
  curl_slist* headers = nullptr;
  if (body != nullptr) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  } else if (std::string(method) == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    r.transport_error = transport_error(rc, error);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
      r.transport_error->message = "docker call cancelled (shutting down)";
    return r;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

result<std::string> curl_docker_client::api_prefix() {
  if (prefix_) return *prefix_;
  if (cfg_.api_version) {
    prefix_ = "/v" + *cfg_.api_version;
    return *prefix_;
  }
  auto v = version();
  if (!v) return v.error();
  auto chosen = v->api_version;
  if (chosen.empty() || version_less(max_api_version, chosen)) chosen = max_api_version;
  prefix_ = "/v" + chosen;
  return *prefix_;
}

result<curl_docker_client::reply> curl_docker_client::versioned(const char* method,
                                                                const std::string& path,
                                                                const std::string* body,
                                                                std::chrono::milliseconds timeout) {
  auto prefix = api_prefix();
  if (!prefix) return prefix.error();
  auto r = call(method, *prefix + path, body, timeout);
  if (r.transport_error) return *r.transport_error;
  return r;
}

result<done> curl_docker_client::ping() {
  auto r = call("GET", "/_ping", nullptr, cfg_.call_timeout);
  if (r.transport_error) return *r.transport_error;
  if (r.status != 200)
    return classify_http_error(static_cast<int>(r.status), docker_message(r.body));
  return done{};
}

result<version_info> curl_docker_client::version() {
  auto r = call("GET", "/version", nullptr, cfg_.call_timeout);
  if (r.transport_error) return *r.transport_error;
  if (r.status != 200)
    return classify_http_error(static_cast<int>(r.status), docker_message(r.body));
  auto j = json::parse(r.body, nullptr, false);
  if (!j.is_object())
    return docker_error{docker_errc::other, static_cast<int>(r.status),
                        "malformed /version answer"};
  return version_info{json_text(j, "Version"), json_text(j, "ApiVersion"),
                      json_text(j, "MinAPIVersion")};
}

result<std::vector<container_summary>> curl_docker_client::list_containers(const filters& f,
                                                                           bool all) {
  std::string path = std::string("/containers/json?all=") + (all ? "1" : "0");
  if (!f.empty()) path += "&filters=" + escape(support::dump_json(json(f)));
  auto r = versioned("GET", path, nullptr, cfg_.call_timeout);
  if (!r) return r.error();
  if (r->status != 200)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  return parse_container_list(json::parse(r->body, nullptr, false));
}

result<std::string> curl_docker_client::create_container(const container_spec& spec) {
  auto body = support::dump_json(create_body(spec));
  auto r =
      versioned("POST", "/containers/create?name=" + escape(spec.name), &body, cfg_.call_timeout);
  if (!r) return r.error();
  if (r->status != 201)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  auto j = json::parse(r->body, nullptr, false);
  auto id = json_text(j, "Id");
  if (id.empty())
    return docker_error{docker_errc::other, static_cast<int>(r->status),
                        "create answered without an Id"};
  return id;
}

result<done> curl_docker_client::start_container(const std::string& id) {
  auto r = versioned("POST", "/containers/" + escape(id) + "/start", nullptr, cfg_.call_timeout);
  if (!r) return r.error();
  if (r->status != 204 && r->status != 304)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  return done{};
}

result<container_details> curl_docker_client::inspect_container(const std::string& id) {
  auto r = versioned("GET", "/containers/" + escape(id) + "/json", nullptr, cfg_.call_timeout);
  if (!r) return r.error();
  if (r->status != 200)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  auto j = json::parse(r->body, nullptr, false);
  if (!j.is_object()) return docker_error{docker_errc::other, 200, "malformed inspect answer"};
  return parse_container_details(j);
}

result<done> curl_docker_client::stop_container(const std::string& id, int timeout_s) {
  auto deadline = std::chrono::seconds(timeout_s) + cfg_.call_timeout;
  auto r = versioned("POST", "/containers/" + escape(id) + "/stop?t=" + std::to_string(timeout_s),
                     nullptr, std::chrono::duration_cast<std::chrono::milliseconds>(deadline));
  if (!r) return r.error();
  if (r->status != 204 && r->status != 304)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  return done{};
}

result<done> curl_docker_client::remove_container(const std::string& id, bool force) {
  auto r = versioned("DELETE",
                     "/containers/" + escape(id) + "?v=true&force=" + (force ? "true" : "false"),
                     nullptr, cfg_.call_timeout);
  if (!r) return r.error();
  if (r->status != 204)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  return done{};
}

result<done> curl_docker_client::restart_container(const std::string& id, int timeout_s) {
  auto deadline = std::chrono::seconds(timeout_s) + cfg_.call_timeout;
  auto r =
      versioned("POST", "/containers/" + escape(id) + "/restart?t=" + std::to_string(timeout_s),
                nullptr, std::chrono::duration_cast<std::chrono::milliseconds>(deadline));
  if (!r) return r.error();
  if (r->status != 204)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  return done{};
}

result<image_info> curl_docker_client::inspect_image(const std::string& ref) {
  auto r = versioned("GET", "/images/" + ref + "/json", nullptr, cfg_.call_timeout);
  if (!r) return r.error();
  if (r->status == 404)
    return docker_error{docker_errc::image_missing, 404, docker_message(r->body)};
  if (r->status != 200)
    return classify_http_error(static_cast<int>(r->status), docker_message(r->body));
  auto j = json::parse(r->body, nullptr, false);
  image_info info;
  info.id = json_text(j, "Id");
  if (j.is_object() && j.contains("RepoTags") && j["RepoTags"].is_array())
    for (const auto& t : j["RepoTags"])
      if (t.is_string()) info.tags.push_back(t.get<std::string>());
  return info;
}

result<done> curl_docker_client::pull_image(const std::string& ref) {
  auto name = split_image_ref(ref);
  std::string path = "/images/create?fromImage=" + escape(name.from_image);
  if (!name.tag.empty()) path += "&tag=" + escape(name.tag);
  auto r = versioned("POST", path, nullptr, cfg_.pull_timeout);
  if (!r) return r.error();
  if (r->status != 200)
    return docker_error{docker_errc::image_missing, static_cast<int>(r->status),
                        docker_message(r->body)};
  // A failed pull can still answer 200: the error is in the progress stream.
  size_t start = 0;
  while (start < r->body.size()) {
    auto end = r->body.find('\n', start);
    auto line = r->body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("error"))
      return docker_error{docker_errc::image_missing, 200, json_text(j, "error", "pull failed")};
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return done{};
}

}  // namespace acepool::docker
