#include "http/live_subscriber.hpp"

#include <nlohmann/json.hpp>

#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

namespace {

constexpr size_t frames_per_write = 64;
/// How long a browser's EventSource waits before it reconnects.
constexpr std::string_view retry_line = "retry: 3000\n\n";
constexpr std::string_view heartbeat_line = ": keep-alive\n\n";

std::shared_ptr<const std::string> text(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

relay::buffer_slice slice_of(std::shared_ptr<const std::string> s) {
  auto length = s->size();
  return {std::move(s), 0, length};
}

/// The event a client gets first when events it asked for are gone: no `id:` line, so its
/// Last-Event-ID moves on with the events that follow.
std::string resync_frame(uint64_t after) {
  nlohmann::json event{
      {"id", nullptr},
      {"type", "feed.resync"},
      {"time", support::now_rfc3339()},
      {"data",
       {{"after", after},
        {"detail",
         "events after this id are no longer kept: reload the state from the JSON routes"}}}};
  return "data: " + event.dump() + "\n\n";
}

}  // namespace

live_subscriber::live_subscriber(std::shared_ptr<exchange> ex, support::live_feed& feed,
                                 uint64_t after, std::shared_ptr<void> place)
    : ex_(std::move(ex)),
      body_(ex_->sink->open_stream()),
      feed_(feed),
      place_(std::move(place)),
      cursor_(after) {}

void live_subscriber::start() {
  if (body_ != nullptr)
    body_->on_hangup([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->resume(support::feed_wake::closing);
    });
  resume(support::feed_wake::event);
}

uint64_t live_subscriber::position() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cursor_;
}

void live_subscriber::resume(support::feed_wake why) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (why == support::feed_wake::heartbeat) heartbeat_ = true;
    if (why == support::feed_wake::closing) closing_ = true;
    if (running_) {
      again_ = true;  // a write completed at once, inside step(): loop instead of recursing
      return;
    }
    running_ = true;
  }
  for (;;) {
    step();
    std::lock_guard<std::mutex> lock(mutex_);
    if (!again_) {
      running_ = false;
      return;
    }
    again_ = false;
  }
}

void live_subscriber::step() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (ended_) return;
  if (closing_ || body_ == nullptr || (started_ && body_->closed())) {
    lock.unlock();
    return end();
  }
  auto read = feed_.read_after(cursor_, frames_per_write);
  std::vector<relay::buffer_slice> slices;
  header_list head;
  if (!started_) {
    auto claimed = ex_->begin_stream();
    if (!claimed) {  // answered already
      ended_ = true;
      return;
    }
    head = std::move(*claimed);
    head.emplace_back("Content-Type", "text/event-stream; charset=utf-8");
    head.emplace_back("Cache-Control", "no-cache");
    head.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events on at once
    started_ = true;
    if (ex_->metrics != nullptr) ex_->metrics->gauge(metrics::live_subscribers).add(1);
    slices.push_back(slice_of(text(std::string(retry_line))));
    if (read.lost) {
      // It reloads the state when told to resync: replaying what is left of the backlog would
      // only repeat what that state already holds.
      slices.push_back(slice_of(text(resync_frame(cursor_))));
      cursor_ = feed_.last_id();
      read.frames.clear();
    }
  } else if (read.lost) {
    // Events it has not been sent are gone: it could not keep up. It reconnects with its
    // Last-Event-ID and is told to resync; the feed never waits for it.
    log::event(
        spdlog::level::info, "events_live.dropped",
        {{"request_id", ex_->request_id}, {"position", cursor_}, {"reason", "behind_backlog"}});
    if (ex_->metrics != nullptr) ex_->metrics->counter(metrics::live_dropped).inc();
    lock.unlock();
    return end();
  }
  for (auto& f : read.frames)
    slices.push_back(slice_of(std::move(f.text)));
  if (!read.frames.empty()) cursor_ = read.frames.back().id;
  if (slices.empty() && heartbeat_) slices.push_back(slice_of(text(std::string(heartbeat_line))));
  heartbeat_ = false;
  if (slices.empty()) {
    auto after = cursor_;
    lock.unlock();
    feed_.wait_after(after, [self = shared_from_this()](support::feed_wake w) { self->resume(w); });
    return;
  }
  auto body = body_;
  lock.unlock();
  body->write(std::move(slices), head,
              [self = shared_from_this()](relay::write_outcome o) { self->written(o); });
}

void live_subscriber::written(relay::write_outcome outcome) {
  if (outcome == relay::write_outcome::ok) return resume(support::feed_wake::event);
  if (outcome == relay::write_outcome::timed_out) {
    // It stopped reading: dropped like one that fell behind the backlog.
    std::lock_guard<std::mutex> lock(mutex_);
    if (ex_ != nullptr) {
      log::event(
          spdlog::level::info, "events_live.dropped",
          {{"request_id", ex_->request_id}, {"position", cursor_}, {"reason", "write_timeout"}});
      if (ex_->metrics != nullptr) ex_->metrics->counter(metrics::live_dropped).inc();
    }
  }
  end();
}

void live_subscriber::end() {
  std::shared_ptr<stream_body> body;
  std::shared_ptr<exchange> ex;
  bool counted = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_) return;
    ended_ = true;
    counted = started_;
    // Let go of the connection now: the feed may hold this subscriber in its waiters until its
    // next wake.
    body = std::move(body_);
    ex = std::move(ex_);
    place_.reset();
  }
  if (counted && ex->metrics != nullptr) ex->metrics->gauge(metrics::live_subscribers).add(-1);
  if (body != nullptr) body->finish();
  ex->complete(response::error(503, "the live feed is closing"));  // only if nothing was sent
}

}  // namespace acepool::http
