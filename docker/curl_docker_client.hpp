#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/settings.hpp"
#include "docker/docker_client.hpp"

namespace acepool::docker {

/// How to reach the daemon (DOCKER_HOST, DOCKER_API_VERSION, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)
/// and how long calls may take.
struct client_config {
  config::docker_endpoint endpoint;
  std::optional<std::string> api_version;  ///< fixed version; negotiated from /version when empty
  bool tls_verify = false;
  std::optional<std::string> cert_path;  ///< ca.pem, cert.pem, key.pem (default ~/.docker)
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds call_timeout{30000};
  std::chrono::milliseconds pull_timeout{300000};
  /// When set to true every transfer in progress aborts at once (shutdown).
  std::shared_ptr<const std::atomic<bool>> cancel;

  /// The client settings from acepool's docker settings.
  static client_config from(const config::docker_settings& s);
};

/// The newest API version this client speaks; a newer daemon is addressed with this one.
constexpr const char* max_api_version = "1.43";

/// docker_client over libcurl: the unix socket or TCP (optionally TLS), one easy handle reused
/// across calls (keep-alive). Not thread-safe: one instance per worker thread.
class curl_docker_client final : public docker_client {
 public:
  explicit curl_docker_client(client_config cfg);
  ~curl_docker_client() override;
  curl_docker_client(const curl_docker_client&) = delete;
  curl_docker_client& operator=(const curl_docker_client&) = delete;

  result<done> ping() override;
  result<version_info> version() override;
  result<std::vector<container_summary>> list_containers(const filters& f, bool all) override;
  result<std::string> create_container(const container_spec& spec) override;
  result<done> start_container(const std::string& id) override;
  result<container_details> inspect_container(const std::string& id) override;
  result<done> stop_container(const std::string& id, int timeout_s) override;
  result<done> remove_container(const std::string& id, bool force) override;
  result<done> restart_container(const std::string& id, int timeout_s) override;
  result<image_info> inspect_image(const std::string& ref) override;
  result<done> pull_image(const std::string& ref) override;

  /// The API version prefix in use (`/v1.41`), negotiating it first if needed.
  result<std::string> api_prefix();

  struct reply {
    long status = 0;
    std::string body;
    std::optional<docker_error> transport_error;
  };
  /// One HTTP exchange with the daemon (`path` already includes any version prefix).
  reply call(const char* method, const std::string& path, const std::string* body,
             std::chrono::milliseconds timeout);
  /// One exchange at `path` under the API version prefix; a transport failure is an error.
  result<reply> versioned(const char* method, const std::string& path, const std::string* body,
                          std::chrono::milliseconds timeout);
  /// `s` percent-encoded for a path segment or query value.
  std::string escape(const std::string& s);
  /// The call deadline of this client's settings.
  std::chrono::milliseconds call_timeout() const { return cfg_.call_timeout; }

 private:
  client_config cfg_;
  void* handle_ = nullptr;  // CURL*
  std::optional<std::string> prefix_;
};

/// The message of a Docker error body (`{"message": ...}`), else the raw text.
std::string docker_message(const std::string& body);

}  // namespace acepool::docker
