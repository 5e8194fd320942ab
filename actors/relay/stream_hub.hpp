#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/relay/client_sink.hpp"
#include "actors/relay/fanout_buffer.hpp"

namespace acepool::relay {

/// Process-wide relay counters (metrics, MAX_CLIENTS); shared by every hub.
struct relay_counters {
  std::atomic<int64_t> clients{0};
  std::atomic<uint64_t> bytes_out{0};
  std::atomic<uint64_t> skips{0};
  std::atomic<uint64_t> drops{0};
  std::atomic<uint64_t> disconnects{0};
};

/// Takes one place among `max` relay clients; false when all are taken.
bool reserve_client(relay_counters& counters, int64_t max);

/// A hub's content as it moves to another process (acepool --takeover).
struct hub_handover {
  uint64_t start = 0;          ///< stream position of bytes[0]
  std::string bytes;           ///< what some client is still owed, from the newest PAT at least
  std::vector<uint64_t> pats;  ///< stream positions of PAT starts within `bytes`
  struct client {
    uint64_t pos = 0;  ///< the next byte the client is owed (after `socket.unsent`)
    uint64_t sent = 0;
    handover_socket socket;
  };
  std::vector<client> clients;
  uint64_t bytes_in = 0, bytes_out = 0;
};

/// How a hub buffers and writes.
struct hub_options {
  size_t buffer_bytes = 4 << 20;  ///< RELAY_BUFFER_BYTES
  /// One write at most: a client that reads slower than the stream but keeps reading finishes
  /// each write well within the write timeout, so it is skipped to the live edge, not dropped.
  size_t max_write_bytes = 256 << 10;
  /// Streaming clients are written to when this much time or data accumulated (large writes
  /// cost far less per byte); a client that has not received anything yet is written to at once.
  std::chrono::milliseconds coalesce{100};
  size_t coalesce_bytes = 256 << 10;
  std::chrono::milliseconds write_timeout{5000};  ///< CLIENT_WRITE_TIMEOUT_S
};

/// The data path of one stream: the shared bounded buffer and its clients, each with its own
/// position and at most one write in flight. Upstream bytes are appended once; every client
/// pulls from its position. A client that falls behind the buffer jumps to the newest PAT
/// (counted); one that fails or is stuck is removed (counted). Nothing here blocks or waits:
/// writes complete through callbacks. Thread-safe; sinks are always called without the lock.
class stream_hub : public std::enable_shared_from_this<stream_hub> {
 public:
  using clock = std::chrono::steady_clock;
  /// Called (without the lock) with the client count after every change.
  using clients_changed = std::function<void(size_t)>;

  stream_hub(hub_options options, std::shared_ptr<relay_counters> counters,
             clients_changed on_change);

  /// Adds a client at the newest PAT held (or, before any bytes, at the first byte to come);
  /// it gets bytes at once when there are any. Returns its id.
  uint64_t attach(std::shared_ptr<client_sink> sink);

  /// Appends packets (`from_upstream` false for keep-alive null packets).
  void append(const std::string& packets, const std::vector<size_t>& pat_offsets,
              bool from_upstream = true);

  /// Lets every client have everything appended so far (the relay's tick, so the tail of a
  /// paused upstream is not held back by coalescing).
  void publish();

  /// Answers clients that have not received a byte yet with an error, and forgets them.
  void fail_waiting(int status, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers);

  /// Ends every client's response and forgets them all.
  void finish_all();

  /// Removes clients whose connection is gone or whose write is stuck well past the write
  /// timeout (the transport evicts them at the timeout; this is the safety net).
  void sweep(clock::time_point now);

  /// Takeover: starts no more writes and suspends every client; `done()` (any thread) once all
  /// answered. A client that cannot move (its answer not started, or gone) stays behind.
  void suspend(std::function<void()> done);
  /// Takeover, once suspended: the content and the sockets (duplicates) of the clients that can
  /// move; nothing while a write is still being started.
  std::optional<hub_handover> handover();
  /// After a handover: the clients that stayed behind are answered (`status` before their first
  /// byte, their end after) and forgotten.
  void fail_unmoved(int status, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers);
  /// The takeover did not happen: writes and reads go on.
  void resume();
  /// Takeover, in the new process: an empty hub continues `from`'s stream (its bytes and
  /// positions); the clients come one by one through adopt().
  void continue_from(const hub_handover& from);
  /// Adds a client taken over at stream position `pos`, written to at once.
  void adopt(std::shared_ptr<client_sink> sink, uint64_t pos, uint64_t sent);

  size_t clients() const;
  /// Clients that have not received a byte yet.
  size_t waiting() const;
  uint64_t bytes_in() const { return bytes_in_.load(); }
  uint64_t bytes_out() const { return bytes_out_.load(); }
  /// When upstream bytes last arrived (the empty-timeout watchdog).
  clock::time_point last_upstream() const;
  /// Buffer fill and every client's lag, for /debug/actors.
  nlohmann::json state() const;

 private:
  struct client {
    std::shared_ptr<client_sink> sink;
    uint64_t pos = 0;
    bool started = false;  // received a byte
    bool in_flight = false;
    bool movable = false;  // takeover: suspended and able to move
    bool moved = false;    // takeover: in the last handover
    clock::time_point write_started{};
    uint64_t sent = 0;
    uint64_t skips = 0;
  };
  struct pending_write {
    uint64_t id;
    std::shared_ptr<client_sink> sink;
    std::vector<buffer_slice> slices;
    size_t bytes;
  };

  /// Prepares the next write of client `id` when it has something to read (under the lock).
  void next_write(uint64_t id, client& c, uint64_t limit, std::vector<pending_write>& out);
  void start(std::vector<pending_write> writes);
  /// Moves the staged upstream bytes into the buffer as one chunk (under the lock).
  void flush_staged();
  /// Removes the clients `which` selects (called under the lock), updates the counts and
  /// returns their sinks, to be answered outside the lock.
  std::vector<std::shared_ptr<client_sink>> take_clients(
      const std::function<bool(const client&)>& which);
  void on_written(uint64_t id, size_t bytes, write_outcome outcome);
  void changed(size_t n) const;

  hub_options options_;
  std::shared_ptr<relay_counters> counters_;
  clients_changed on_change_;
  mutable std::mutex mutex_;
  fanout_buffer buffer_;
  std::string staged_;  // appended, not yet in the buffer (at most coalesce_bytes + one read)
  std::vector<size_t> staged_pats_;
  bool has_waiting_ = false;  // a client may not have received a byte yet
  uint64_t published_ = 0;
  clock::time_point last_publish_{};
  clock::time_point last_upstream_;
  std::map<uint64_t, client> clients_;
  uint64_t next_id_ = 1;
  bool suspended_ = false;  // takeover: no write starts
  size_t starting_ = 0;     // writes prepared under the lock whose sink->write has not returned
  std::atomic<uint64_t> bytes_in_{0}, bytes_out_{0};
};

}  // namespace acepool::relay
