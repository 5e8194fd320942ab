#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "http/responder.hpp"
#include "support/live_feed.hpp"

namespace acepool::http {

/// One GET /events/live client: writes the feed's events to its stream body in order, one write
/// at a time, a comment line when a heartbeat interval passed without one, and ends when its
/// connection goes, when the feed closes, or when it falls out of the backlog (it could not keep
/// up: it would miss events, so it is dropped and resumes with Last-Event-ID).
class live_subscriber : public std::enable_shared_from_this<live_subscriber> {
 public:
  /// Events after id `after`. When the backlog no longer has all of them (an id older than it,
  /// or one of another process), the client is told first with a `feed.resync` event.
  /// `place` is its token from live_feed::join(), given back when it ends.
  live_subscriber(std::shared_ptr<exchange> ex, support::live_feed& feed, uint64_t after,
                  std::shared_ptr<void> place = nullptr);

  /// Sends the head and whatever is already there, then follows the feed.
  void start();

  /// Events written so far (tests).
  uint64_t position() const;

 private:
  void resume(support::feed_wake why);
  /// One write, one wait, or the end.
  void step();
  void written(relay::write_outcome outcome);
  void end();

  std::shared_ptr<exchange> ex_;
  std::shared_ptr<stream_body> body_;
  support::live_feed& feed_;
  std::shared_ptr<void> place_;
  mutable std::mutex mutex_;
  uint64_t cursor_;
  bool started_ = false;    ///< the head is out
  bool running_ = false;    ///< step() runs on some thread
  bool again_ = false;      ///< resume() came while it ran
  bool heartbeat_ = false;  ///< a heartbeat is due
  bool closing_ = false;
  bool ended_ = false;
};

}  // namespace acepool::http
