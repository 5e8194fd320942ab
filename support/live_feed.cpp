#include "support/live_feed.hpp"

#include <algorithm>

#include "support/time_format.hpp"

namespace acepool::support {

namespace {

uint64_t first_id_now() {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return static_cast<uint64_t>(std::max<int64_t>(ms, 1)) * 1000;
}

}  // namespace

live_feed::live_feed(size_t backlog, std::chrono::milliseconds heartbeat)
    : backlog_(std::max<size_t>(backlog, 1)), heartbeat_(heartbeat), next_id_(first_id_now()) {
  thread_ = std::thread([this] { run(); });
}

live_feed::~live_feed() {
  close();
}

uint64_t live_feed::publish(std::string_view type, nlohmann::json data) {
  nlohmann::json event{
      {"id", 0}, {"type", type}, {"time", now_rfc3339()}, {"data", std::move(data)}};
  std::lock_guard<std::mutex> lock(mutex_);
  const uint64_t id = next_id_++;
  event["id"] = id;
  // Outside text in the data (names, reasons) may be anything: invalid UTF-8 is replaced, and a
  // compact dump has no line breaks, so one `data:` line holds the whole event.
  auto text = std::make_shared<std::string>("id: " + std::to_string(id) + "\ndata: ");
  *text += event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  *text += "\n\n";
  frames_.push_back({id, std::move(text)});
  while (frames_.size() > backlog_)
    frames_.pop_front();
  if (!waiters_.empty() && !woken_) {
    woken_ = true;
    changed_.notify_one();
  }
  return id;
}

// Swappable on purpose: an event id and a count have different magnitudes and meanings
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
live_feed::read_result live_feed::read_after(uint64_t after, size_t max) const {
  std::lock_guard<std::mutex> lock(mutex_);
  read_result out;
  const uint64_t last = next_id_ - 1;
  if (frames_.empty()) {
    out.lost = after != last;
    return out;
  }
  const uint64_t first = frames_.front().id;
  uint64_t start = after + 1;
  if (after > last || start < first) {
    out.lost = true;
    start = first;
  }
  for (auto i = static_cast<size_t>(start - first); i < frames_.size() && out.frames.size() < max;
       ++i)
    out.frames.push_back(frames_[i]);
  return out;
}

uint64_t live_feed::last_id() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_id_ - 1;
}

void live_feed::wait_after(uint64_t after, std::function<void(feed_wake)> wake) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) {
    lock.unlock();
    wake(feed_wake::closing);
    return;
  }
  waiters_.push_back({after, std::move(wake)});
  if (after < next_id_ - 1 && !woken_) {  // it missed an event while it was not waiting
    woken_ = true;
    changed_.notify_one();
  }
}

void live_feed::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_one();
  }
  // Back only once every waiter has been told: at shutdown the subscribers end their responses
  // while the HTTP server still runs (a wake that ends a subscriber may close the feed from the
  // feed's own thread, which cannot join itself).
  std::lock_guard<std::mutex> join_lock(join_mutex_);
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

std::shared_ptr<void> live_feed::join(size_t max) {
  auto members = members_;
  if (members->fetch_add(1) >= max) {
    members->fetch_sub(1);
    return nullptr;
  }
  // The token points at the count and holds it, so it may outlive the feed.
  return std::shared_ptr<void>(members.get(), [members](void*) { members->fetch_sub(1); });
}

size_t live_feed::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiters_.size();
}

std::vector<live_feed::waiter> live_feed::take_due_locked(bool heartbeat) {
  std::vector<waiter> due;
  if (heartbeat || closed_) {
    due.swap(waiters_);
    return due;
  }
  const uint64_t last = next_id_ - 1;
  auto keep = std::partition(waiters_.begin(), waiters_.end(),
                             [last](const waiter& w) { return w.after >= last; });
  std::move(keep, waiters_.end(), std::back_inserter(due));
  waiters_.erase(keep, waiters_.end());
  return due;
}

void live_feed::run() {
  using clock = std::chrono::steady_clock;
  std::unique_lock<std::mutex> lock(mutex_);
  auto next_heartbeat = clock::now() + heartbeat_;
  for (;;) {
    changed_.wait_until(lock, next_heartbeat, [this] { return woken_ || closed_; });
    const bool closing = closed_;
    const bool heartbeat = clock::now() >= next_heartbeat;
    if (heartbeat) next_heartbeat = clock::now() + heartbeat_;
    woken_ = false;
    auto due = take_due_locked(heartbeat);
    const uint64_t last = next_id_ - 1;
    lock.unlock();
    for (auto& w : due) {
      auto why = closing          ? feed_wake::closing
                 : w.after < last ? feed_wake::event
                                  : feed_wake::heartbeat;
      w.wake(why);
    }
    due.clear();  // subscribers' closures are released outside the lock
    if (closing) return;
    lock.lock();
  }
}

}  // namespace acepool::support
