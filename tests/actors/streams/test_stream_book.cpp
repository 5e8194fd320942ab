#include <catch2/catch.hpp>

#include "actors/streams/stream_book.hpp"

using namespace acepool::actors;
using namespace std::chrono_literals;

namespace {

const auto book_t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));

stream_record on_engine(const std::string& id, const std::string& engine) {
  stream_record s;
  s.id = id;
  s.container_id = engine;
  s.started_at = book_t0;
  return s;
}

stats_snapshot snapshot_at(std::chrono::system_clock::time_point ts, int64_t peers) {
  stats_snapshot s;
  s.ts = ts;
  s.peers = peers;
  return s;
}

}  // namespace

TEST_CASE("streams: starting is idempotent by id") {
  stream_book book(10);
  CHECK(book.start(on_engine("s1", "e1")).second);
  auto again = on_engine("s1", "other");
  auto [stored, created] = book.start(again);
  CHECK_FALSE(created);
  CHECK(stored->container_id == "e1");
  CHECK(book.active_count() == 1);
}

TEST_CASE(
    "streams: ending is by exact id, an unknown id never ends another stream, twice is a no-op") {
  stream_book book(10);
  book.start(on_engine("s1", "e1"));
  book.start(on_engine("s2", "e1"));
  auto unknown = book.end("s", "ended_by_event", book_t0);
  CHECK(unknown.stream == nullptr);
  CHECK(book.active_count() == 2);
  auto first = book.end("s1", "ended_by_event", book_t0 + 5s);
  REQUIRE(first.stream);
  CHECK(first.changed);
  CHECK(first.stream->ended);
  CHECK(first.stream->end_reason == "ended_by_event");
  auto second = book.end("s1", "client_disconnect", book_t0 + 9s);
  CHECK_FALSE(second.changed);
  CHECK(second.stream->end_reason == "ended_by_event");
  CHECK(second.stream->ended_at == book_t0 + 5s);
  CHECK(book.active_count() == 1);
  CHECK(book.active_on("e1").size() == 1);
}

TEST_CASE(
    "streams: the stats history is bounded, the latest snapshot is on the record, since filters") {
  stream_book book(3);
  book.start(on_engine("s1", "e1"));
  for (int i = 0; i < 5; ++i)
    book.record_stats("s1", snapshot_at(book_t0 + std::chrono::seconds(i), i));
  auto all = book.history("s1", std::nullopt);
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK(all->front().peers == 2);
  CHECK(all->back().peers == 4);
  CHECK(book.find("s1")->latest->peers == 4);
  CHECK(book.history("s1", book_t0 + 4s)->size() == 1);
  CHECK_FALSE(book.history("nope", std::nullopt));
  book.record_stats("nope", snapshot_at(book_t0, 1));  // ignored, creates nothing
  CHECK(book.find("nope") == nullptr);
}

TEST_CASE("streams: records handed out earlier do not change when the stream does") {
  stream_book book(3);
  book.start(on_engine("s1", "e1"));
  auto published = book.active_by_start();
  book.end("s1", "stopped_by_api", book_t0);
  CHECK_FALSE(published.at(0)->ended);  // a published snapshot stays as it was
  CHECK(book.find("s1")->ended);
  CHECK(book.active_by_start().empty());
}

TEST_CASE("streams: ended streams older than the cutoff are purged with their history") {
  stream_book book(3);
  book.start(on_engine("old", "e1"));
  book.start(on_engine("recent", "e1"));
  book.start(on_engine("active", "e1"));
  book.record_stats("old", snapshot_at(book_t0, 1));
  book.end("old", "ended_by_event", book_t0);
  book.end("recent", "ended_by_event", book_t0 + 50min);
  CHECK(book.purge_ended(book_t0 + 30min) == 1);
  CHECK(book.find("old") == nullptr);
  CHECK_FALSE(book.history("old", std::nullopt));
  CHECK(book.find("recent") != nullptr);
  CHECK(book.find("active") != nullptr);
}

TEST_CASE("streams: the book is capped, the oldest ended streams make room") {
  stream_book book(3, 10);
  for (int i = 0; i < 10; ++i) {
    book.start(on_engine("s" + std::to_string(i), "e1"));
    if (i < 5)
      book.end("s" + std::to_string(i), "ended_by_event", book_t0 + std::chrono::seconds(i));
  }
  book.start(on_engine("new", "e1"));
  CHECK(book.size() <= 10);
  CHECK(book.find("s0") == nullptr);  // oldest ended first
  CHECK(book.find("new") != nullptr);
  for (int i = 5; i < 10; ++i)
    CHECK(book.find("s" + std::to_string(i)) != nullptr);  // active kept
  CHECK(book.active_count() == 6);
}

TEST_CASE("streams: restored history keeps its order and sets the latest snapshot") {
  stream_book book(2);
  auto s = on_engine("s1", "e1");
  book.restore(
      s, {snapshot_at(book_t0, 1), snapshot_at(book_t0 + 1s, 2), snapshot_at(book_t0 + 2s, 3)});
  CHECK(book.history("s1", std::nullopt)->size() == 2);
  CHECK(book.find("s1")->latest->peers == 3);
  CHECK(book.active_count() == 1);
}

TEST_CASE(
    "streams: active ones come by start time, ended ones in fixed chunks in the order they ended") {
  stream_book book(3);
  auto later = on_engine("later", "e1");
  later.started_at = book_t0 + 1s;
  book.start(later);
  book.start(on_engine("first", "e1"));
  auto active = book.active_by_start();
  REQUIRE(active.size() == 2);
  CHECK(active[0]->id == "first");
  const size_t n = stream_book::chunk_size + 10;
  for (size_t i = 0; i < n; ++i) {
    book.start(on_engine("x" + std::to_string(i), "e2"));
    book.end("x" + std::to_string(i), "ended_by_event", book_t0 + std::chrono::seconds(i));
  }
  auto chunks = book.ended_chunks();
  REQUIRE(chunks.size() == 2);
  CHECK(chunks[0]->size() == stream_book::chunk_size);
  CHECK(chunks[0]->front()->id == "x0");
  CHECK(chunks[1]->back()->id == "x" + std::to_string(n - 1));
  // A full chunk handed out is never touched again; only the last one is copied on change.
  auto first_chunk = chunks[0];
  book.end("first", "ended_by_event", book_t0 + 1h);
  CHECK(book.ended_chunks()[0] == first_chunk);
  CHECK(book.ended_chunks()[1]->back()->id == "first");
  CHECK(chunks[1]->size() == 10);
  CHECK(book.purge_ended(book_t0 + 5s) == 5);
  CHECK(book.ended_chunks()[0]->front()->id == "x5");
}
