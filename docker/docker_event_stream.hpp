#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "docker/curl_docker_client.hpp"
#include "docker/docker_types.hpp"

namespace acepool::docker {

/// The long-lived GET /events stream on its own thread (a detached actor blocked in a transfer
/// would never see its exit message). Filtered, reconnects with exponential backoff (resuming
/// from the last event's time so nothing is missed), and stops at once.
class docker_event_stream {
 public:
  using event_handler = std::function<void(const docker_event&)>;
  /// Called on every connect (true) and disconnect (false, with the reason).
  using state_handler = std::function<void(bool connected, const std::string& detail)>;

  docker_event_stream(client_config cfg, filters f, event_handler on_event, state_handler on_state,
                      std::chrono::milliseconds max_backoff = std::chrono::seconds(10));
  ~docker_event_stream();
  docker_event_stream(const docker_event_stream&) = delete;
  docker_event_stream& operator=(const docker_event_stream&) = delete;

  void start();
  /// Interrupts the transfer and any backoff wait, and joins the thread.
  void stop();

 private:
  void run();
  bool stream_once(const std::string& prefix);

  client_config cfg_;
  filters filters_;
  event_handler on_event_;
  state_handler on_state_;
  std::chrono::milliseconds max_backoff_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  void* multi_ = nullptr;  // CURLM*, for curl_multi_wakeup
  int64_t since_ns_ = 0;
  std::thread thread_;
};

}  // namespace acepool::docker
