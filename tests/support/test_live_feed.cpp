#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/live_feed.hpp"

using acepool::support::feed_wake;
using acepool::support::live_feed;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// The JSON of an SSE frame `id: N\ndata: {...}\n\n`.
json event_of(const live_feed::frame& f) {
  const auto& text = *f.text;
  auto data = text.find("\ndata: ");
  REQUIRE(data != std::string::npos);
  REQUIRE(text.size() >= 2);
  CHECK(text.substr(text.size() - 2) == "\n\n");
  CHECK(text.substr(0, 4 + std::to_string(f.id).size()) == "id: " + std::to_string(f.id));
  auto body = text.substr(data + 7, text.size() - data - 9);
  CHECK(body.find('\n') == std::string::npos);  // one data line: the client parses one event
  return json::parse(body);
}

/// Waits on the feed from `after`; the wake reason, or nothing within `timeout`.
std::optional<feed_wake> wake_of(live_feed& feed, uint64_t after,
                                 std::chrono::milliseconds timeout = 5s) {
  auto promise = std::make_shared<std::promise<feed_wake>>();
  auto result = promise->get_future();
  feed.wait_after(after, [promise](feed_wake w) { promise->set_value(w); });
  if (result.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return result.get();
}

}  // namespace

TEST_CASE("live feed: events get increasing ids and read back in order as SSE frames") {
  live_feed feed(16, 1h);
  auto start = feed.last_id();
  CHECK(start > 1'700'000'000'000'000ull);  // ids start at the start time in ms × 1000
  auto a = feed.publish("engine.added", {{"container", "e1"}});
  auto b = feed.publish("stream.started", {{"stream", "k|s"}});
  CHECK(a == start + 1);
  CHECK(b == a + 1);
  CHECK(feed.last_id() == b);
  auto read = feed.read_after(start, 10);
  CHECK_FALSE(read.lost);
  REQUIRE(read.frames.size() == 2);
  auto first = event_of(read.frames[0]);
  CHECK(first["id"] == a);
  CHECK(first["type"] == "engine.added");
  CHECK(first["data"] == json{{"container", "e1"}});
  CHECK(first["time"].get<std::string>().back() == 'Z');
  CHECK(event_of(read.frames[1])["type"] == "stream.started");
  CHECK(feed.read_after(a, 10).frames.size() == 1);
  CHECK(feed.read_after(b, 10).frames.empty());
  CHECK(feed.read_after(start, 1).frames.size() == 1);  // at most `max`
}

TEST_CASE("live feed: the backlog is bounded and a position older than it is lost") {
  live_feed feed(4, 1h);
  auto start = feed.last_id();
  for (int i = 0; i < 10; ++i)
    feed.publish("stream.clients", {{"clients", i}});
  auto old = feed.read_after(start, 100);
  CHECK(old.lost);
  REQUIRE(old.frames.size() == 4);  // from the oldest kept
  CHECK(event_of(old.frames[0])["data"]["clients"] == 6);
  auto recent = feed.read_after(start + 6, 100);
  CHECK_FALSE(recent.lost);
  CHECK(recent.frames.size() == 4);
  // An id this process never gave (another process's, from the future) is lost too.
  CHECK(feed.read_after(feed.last_id() + 5, 100).lost);
}

TEST_CASE("live feed: outside text cannot break a frame into two events") {
  live_feed feed(4, 1h);
  auto start = feed.last_id();
  feed.publish("stream.started", {{"key", "a\n\ndata: {\"type\":\"forged\"}\n\n\xff"}});
  auto read = feed.read_after(start, 1);
  REQUIRE(read.frames.size() == 1);
  auto e = event_of(read.frames[0]);
  CHECK(e["type"] == "stream.started");
  CHECK(e["data"]["key"].get<std::string>().find("forged") != std::string::npos);
}

TEST_CASE("live feed: a waiter is woken by the next event, at once when it missed one") {
  live_feed feed(16, 1h);
  auto start = feed.last_id();
  auto waiting = std::async(std::launch::async, [&] { return wake_of(feed, start); });
  while (feed.waiting() == 0)
    std::this_thread::sleep_for(1ms);
  feed.publish("engine.removed", json::object());
  CHECK(waiting.get() == feed_wake::event);
  CHECK(wake_of(feed, start) == feed_wake::event);  // an event after `start` exists already
  CHECK(feed.waiting() == 0);
}

TEST_CASE("live feed: idle waiters get a heartbeat") {
  live_feed feed(16, 50ms);
  CHECK(wake_of(feed, feed.last_id()) == feed_wake::heartbeat);
}

TEST_CASE("live feed: closing wakes every waiter and refuses later ones") {
  live_feed feed(16, 1h);
  auto waiting = std::async(std::launch::async, [&] { return wake_of(feed, feed.last_id(), 60s); });
  while (feed.waiting() == 0)
    std::this_thread::sleep_for(1ms);
  feed.close();
  CHECK(waiting.get() == feed_wake::closing);
  CHECK(wake_of(feed, feed.last_id()) == feed_wake::closing);
}

TEST_CASE("live feed: at most `max` subscribers hold a place, a released place is free again") {
  live_feed feed(16, 1h);
  auto a = feed.join(2);
  auto b = feed.join(2);
  CHECK(a);
  CHECK(b);
  CHECK_FALSE(feed.join(2));
  a.reset();
  CHECK(feed.join(2));
}
