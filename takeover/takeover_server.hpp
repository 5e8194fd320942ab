#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "takeover/handover_codec.hpp"

namespace acepool::takeover {

/// What the old process does for a takeover (main wires it to the HTTP server and the
/// stream_manager). Called on the takeover thread; they may block.
struct takeover_hooks {
  /// Stops accepting and suspends every relay, filling `offer`; an error line (everything
  /// already resumed) when a relay cannot move now.
  std::function<std::optional<std::string>(handover_offer& offer)> suspend;
  /// The takeover did not happen: accept and stream again.
  std::function<void()> resume;
  /// The new process owns everything handed over: drop it without a word; false when that did
  /// not finish (then this process ends at once rather than risk touching what it gave away).
  std::function<bool()> release;
  /// Then: end this process (its remaining connections, its actors; never the engines).
  std::function<void()> handed_over;
};

/// The old process's side of acepool --takeover: listens on TAKEOVER_SOCKET (a unix socket,
/// mode 0600, only this user or root may connect) on its own thread, one takeover at a time:
/// hello → suspend → offer → commit (release, exit) or abort/timeout/hang-up (resume).
class takeover_server {
 public:
  takeover_server(std::string path, std::string version, takeover_hooks hooks);
  ~takeover_server();
  takeover_server(const takeover_server&) = delete;
  takeover_server& operator=(const takeover_server&) = delete;

  /// Binds the socket (a stale one left by a dead process is replaced; one a live acepool
  /// answers on is an error, unless `replace`: this process just took that one over) and starts
  /// the thread.
  std::optional<std::string> start(bool replace = false);
  /// Stops the thread; removes the socket unless it was handed over.
  void stop();
  bool handed_over() const { return handed_over_.load(); }

 private:
  void run();
  void serve(int conn);

  std::string path_, version_;
  takeover_hooks hooks_;
  int listen_fd_ = -1;
  std::atomic<int> serving_{-1};  // the connection of a takeover under way (stop() cuts it)
  std::atomic<bool> stopping_{false};
  int wake_[2] = {-1, -1};
  std::atomic<bool> handed_over_{false};
  std::thread thread_;
};

/// Why `path` cannot be this process's TAKEOVER_SOCKET without --takeover (an acepool serves
/// there, or it is not a socket); nothing when it can.
std::optional<std::string> socket_taken(const std::string& path);

/// The new process's side: what it took over, and the connection to the old one.
struct taken_over {
  handover_offer offer;
  int channel = -1;  ///< to commit on
  int old_pid = 0;
  std::chrono::steady_clock::time_point asked_at;  ///< when the hello went out
};

/// Why a takeover did not happen (the running acepool keeps serving).
struct takeover_refusal {
  std::string detail;
  bool transient = false;  ///< asking again in a moment may succeed (a stream was starting)
  bool nobody = false;     ///< no acepool serves there: nothing to take over
};

/// Connects to the acepool serving on `path` and receives everything it hands over; a refusal
/// when it says no, cannot be reached, or is not this user's.
std::variant<taken_over, takeover_refusal> request_takeover(const std::string& path,
                                                            const std::string& version);

/// Tells the old process the new one owns everything; true once it released it (or is gone),
/// false when it resumed serving (the new process must not use what it received).
bool commit_takeover(taken_over& t);

/// Tells the old process to resume (the new one cannot continue), with the reason.
void abort_takeover(taken_over& t, const std::string& why);

}  // namespace acepool::takeover
