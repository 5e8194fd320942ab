#include <catch2/catch.hpp>

#include <mutex>
#include <optional>

#include "http/live_subscriber.hpp"
#include "tests/common/child_process.hpp"

using namespace acepool;
using namespace acepool::http;
using namespace std::chrono_literals;
using acepool::testing::eventually;

namespace {

/// A connection whose writes complete only when the test says so.
class manual_body final : public stream_body, public response_sink {
 public:
  void write(std::vector<relay::buffer_slice> data, const header_list& head,
             std::function<void(relay::write_outcome)> done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (heads == 0) first_head = head;
    ++heads;
    for (const auto& s : data)
      text.append(s.chunk->data() + s.offset, s.length);
    pending = std::move(done);
  }
  void finish() override {
    std::lock_guard<std::mutex> lock(mutex_);
    finished = true;
  }
  bool closed() const override { return gone; }
  void on_hangup(std::function<void()> fn) override { hangup = std::move(fn); }
  void send(response r) override { answered = r.status; }
  std::shared_ptr<stream_body> open_stream() override { return self.lock(); }

  /// Completes the write in flight; false when none is.
  bool complete(relay::write_outcome o = relay::write_outcome::ok) {
    std::function<void(relay::write_outcome)> done;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done.swap(pending);
    }
    if (!done) return false;
    done(o);
    return true;
  }
  bool has_pending() {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<bool>(pending);
  }
  std::string written() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text;
  }
  bool is_finished() {
    std::lock_guard<std::mutex> lock(mutex_);
    return finished;
  }

  std::weak_ptr<manual_body> self;
  std::mutex mutex_;
  std::string text;
  header_list first_head;
  int heads = 0;
  std::function<void(relay::write_outcome)> pending;
  std::function<void()> hangup;
  bool finished = false;
  bool gone = false;
  std::optional<int> answered;
};

struct rig {
  rig(size_t backlog, std::chrono::milliseconds heartbeat) : feed(backlog, heartbeat) {
    body = std::make_shared<manual_body>();
    body->self = body;
    ex = std::make_shared<exchange>();
    ex->sink = body;
    ex->request_id = "req-live";
  }
  ~rig() {
    // A write left pending holds the subscriber, which holds the body: end it (a client gone).
    while (body != nullptr && body->complete(relay::write_outcome::closed)) {
    }
  }
  rig(const rig&) = delete;
  rig& operator=(const rig&) = delete;
  std::shared_ptr<live_subscriber> subscribe(uint64_t after) {
    auto s = std::make_shared<live_subscriber>(ex, feed, after);
    s->start();
    return s;
  }
  support::live_feed feed;
  std::shared_ptr<manual_body> body;
  std::shared_ptr<exchange> ex;
};

std::optional<std::string> header(const header_list& h, const std::string& name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return std::nullopt;
}

}  // namespace

TEST_CASE("live subscriber: the head says event-stream, events follow one write at a time") {
  rig r(64, 1h);
  auto sub = r.subscribe(r.feed.last_id());
  REQUIRE(r.body->has_pending());  // the head and the retry line
  CHECK(header(r.body->first_head, "Content-Type") == "text/event-stream; charset=utf-8");
  CHECK(header(r.body->first_head, "Cache-Control") == "no-cache");
  CHECK(r.body->written() == "retry: 3000\n\n");
  auto a = r.feed.publish("engine.added", {{"n", 1}});
  auto b = r.feed.publish("engine.added", {{"n", 2}});
  CHECK(r.body->written() == "retry: 3000\n\n");  // nothing more while a write is in flight
  REQUIRE(r.body->complete());
  REQUIRE(r.body->has_pending());  // both events in the next write
  CHECK_THAT(r.body->written(), Catch::Contains("id: " + std::to_string(a) + "\n"));
  CHECK_THAT(r.body->written(), Catch::Contains("id: " + std::to_string(b) + "\n"));
  REQUIRE(r.body->complete());
  CHECK(eventually([&] { return r.feed.waiting() == 1; }));  // caught up: waits on the feed
  CHECK(sub->position() == b);
  r.feed.publish("engine.removed", {{"n", 3}});
  CHECK(eventually([&] { return r.body->has_pending(); }));
  CHECK_THAT(r.body->written(), Catch::Contains("\"engine.removed\""));
}

TEST_CASE("live subscriber: falling out of the backlog while a write hangs ends it") {
  rig r(8, 1h);
  auto sub = r.subscribe(r.feed.last_id());
  for (int i = 0; i < 20; ++i)  // more than the backlog while its first write is in flight
    r.feed.publish("stream.clients", {{"clients", i}});
  REQUIRE(r.body->complete());
  CHECK(r.body->is_finished());
  CHECK_FALSE(r.body->has_pending());
  CHECK(r.body->written().find("\"clients\"") == std::string::npos);  // nothing after the gap
}

TEST_CASE("live subscriber: a failed write or a closing feed ends it") {
  rig failing(8, 1h);
  auto sub = failing.subscribe(failing.feed.last_id());
  REQUIRE(failing.body->complete(relay::write_outcome::timed_out));
  CHECK(failing.body->is_finished());
  rig closing(8, 1h);
  auto other = closing.subscribe(closing.feed.last_id());
  REQUIRE(closing.body->complete());
  REQUIRE(eventually([&] { return closing.feed.waiting() == 1; }));
  closing.feed.close();
  CHECK(eventually([&] { return closing.body->is_finished(); }));
}

TEST_CASE("live subscriber: a heartbeat writes a comment to an idle subscriber") {
  rig r(8, 50ms);
  auto sub = r.subscribe(r.feed.last_id());
  REQUIRE(r.body->complete());
  REQUIRE(eventually([&] { return r.body->has_pending(); }, 5s));
  CHECK(r.body->written() == "retry: 3000\n\n: keep-alive\n\n");
}

TEST_CASE("live subscriber: resuming before the backlog says resync and skips to now") {
  rig r(4, 1h);
  auto start = r.feed.last_id();
  for (int i = 0; i < 10; ++i)
    r.feed.publish("stream.clients", {{"clients", i}});
  auto sub = r.subscribe(start);
  auto text = r.body->written();
  CHECK_THAT(text, Catch::Contains("\"type\":\"feed.resync\""));
  CHECK(text.find("\"clients\"") == std::string::npos);
  CHECK(sub->position() == r.feed.last_id());
}

namespace {

/// A connection that takes every write at once: the completion runs inside write(), as the
/// socket's does while its buffer has room.
class instant_body final : public stream_body, public response_sink {
 public:
  void write(std::vector<relay::buffer_slice> data, const header_list&,
             std::function<void(relay::write_outcome)> done) override {
    ++writes;
    for (const auto& s : data)
      text.append(s.chunk->data() + s.offset, s.length);
    done(relay::write_outcome::ok);
  }
  void finish() override { finished = true; }
  bool closed() const override { return false; }
  void on_hangup(std::function<void()> fn) override { hangup = std::move(fn); }
  void send(response) override {}
  std::shared_ptr<stream_body> open_stream() override { return self.lock(); }

  std::weak_ptr<instant_body> self;
  std::string text;
  int writes = 0;
  bool finished = false;
  std::function<void()> hangup;
};

}  // namespace

TEST_CASE("live subscriber: writes that complete at once loop instead of recursing") {
  support::live_feed feed(4096, 1h);
  auto start = feed.last_id();
  for (int i = 0; i < 3000; ++i)  // 47 writes of 64 events, each completing inside write()
    feed.publish("stream.clients", {{"clients", i}});
  auto body = std::make_shared<instant_body>();
  body->self = body;
  auto ex = std::make_shared<exchange>();
  ex->sink = body;
  auto sub = std::make_shared<live_subscriber>(ex, feed, start);
  sub->start();
  CHECK(sub->position() == feed.last_id());
  CHECK(body->writes == 47);
  size_t frames = 0;
  for (auto at = body->text.find("\ndata: "); at != std::string::npos;
       at = body->text.find("\ndata: ", at + 1))
    ++frames;
  CHECK(frames == 3000);
  CHECK(eventually([&] { return feed.waiting() == 1; }));
  feed.close();
  CHECK(body->finished);
}

TEST_CASE("live subscriber: a client gone while it waits lets go of its connection at once") {
  rig r(8, 1h);
  auto sub = r.subscribe(r.feed.last_id());
  REQUIRE(r.body->complete());
  REQUIRE(eventually([&] { return r.feed.waiting() == 1; }));
  auto connection = std::weak_ptr<manual_body>(r.body);
  REQUIRE(r.body->hangup);
  r.body->gone = true;
  auto hangup = std::move(r.body->hangup);
  hangup();
  CHECK(r.body->is_finished());
  r.ex.reset();
  r.body.reset();
  sub.reset();
  CHECK(connection.expired());  // though the feed still holds the subscriber until its next wake
  CHECK(r.feed.waiting() == 1);
}
