#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/relay/stream_hub.hpp"
#include "actors/relay/ts_packets.hpp"
#include "tests/common/manual_sink.hpp"
#include "tests/common/numbered_packets.hpp"

namespace {

using namespace acepool::relay;
using acepool::testing::manual_sink;
using namespace std::chrono_literals;

std::string packets(int first, int n) {
  return acepool::testing::numbered_ts_packets(first, n);
}

struct hub_world {
  std::shared_ptr<relay_counters> counters = std::make_shared<relay_counters>();
  std::vector<size_t> changes;
  std::shared_ptr<stream_hub> hub;

  explicit hub_world(hub_options o = {}) {
    o.coalesce = 0ms;  // every append is published (coalescing has its own test)
    hub = std::make_shared<stream_hub>(o, counters, [this](size_t n) { changes.push_back(n); });
  }
};

}  // namespace

TEST_CASE("stream hub gives every client the same bytes from its join point") {
  hub_world w;
  auto a = std::make_shared<manual_sink>();
  auto b = std::make_shared<manual_sink>();
  w.hub->attach(a);
  w.hub->append(packets(0, 10), {0});
  w.hub->attach(b);  // joins at the PAT at 0: gets the same 10 packets at once
  w.hub->append(packets(10, 10), {});
  a->drain();
  b->drain();
  CHECK(a->received == packets(0, 20));
  CHECK(b->received == packets(0, 20));
  CHECK(w.counters->clients == 2);
  CHECK(w.hub->bytes_out() == 40 * ts_packet_size);
}

TEST_CASE("stream hub keeps one write in flight per client and batches the rest") {
  hub_world w;
  auto a = std::make_shared<manual_sink>();
  w.hub->attach(a);
  for (int i = 0; i < 5; ++i)
    w.hub->append(packets(i * 10, 10), {});
  CHECK(a->writes == 1);  // the first append; the other four wait for it
  REQUIRE(a->complete());
  CHECK(a->writes == 2);  // everything since, in one write
  a->drain();
  CHECK(a->received == packets(0, 50));
}

TEST_CASE("stream hub: a client that does not read never delays the others") {
  hub_world w;
  auto stuck = std::make_shared<manual_sink>();
  auto fast = std::make_shared<manual_sink>();
  w.hub->attach(stuck);
  w.hub->attach(fast);
  for (int i = 0; i < 100; ++i) {
    w.hub->append(packets(i, 1), {});
    fast->drain();
  }
  CHECK(fast->received.size() == 100 * ts_packet_size);
  CHECK(stuck->writes == 1);
}

TEST_CASE("stream hub skips a lagging client to the newest PAT") {
  hub_options o;
  o.buffer_bytes = 20 * ts_packet_size;
  hub_world w(o);
  auto slow = std::make_shared<manual_sink>();
  w.hub->attach(slow);
  w.hub->append(packets(0, 10), {0});
  for (int i = 1; i < 6; ++i)
    w.hub->append(packets(i * 10, 10), {0});  // a PAT at each 10th packet; slow is stuck
  slow->complete();                           // its position fell out of the buffer
  CHECK(w.counters->skips == 1);
  slow->drain();
  CHECK(slow->received == packets(0, 10) + packets(50, 10));
}

TEST_CASE("stream hub removes a client whose write failed or timed out") {
  hub_world w;
  auto closed = std::make_shared<manual_sink>();
  auto stuck = std::make_shared<manual_sink>();
  w.hub->attach(closed);
  w.hub->attach(stuck);
  w.hub->append(packets(0, 1), {});
  closed->complete(write_outcome::closed);
  stuck->complete(write_outcome::timed_out);
  CHECK(w.hub->clients() == 0);
  CHECK(w.counters->clients == 0);
  CHECK(w.counters->drops == 1);
  CHECK(w.counters->disconnects == 1);
  CHECK(w.changes.back() == 0);
}

TEST_CASE("stream hub sweeps clients whose connection closed while idle") {
  hub_world w;
  auto a = std::make_shared<manual_sink>();
  w.hub->attach(a);
  a->gone = true;
  w.hub->sweep(stream_hub::clock::now());
  CHECK(w.hub->clients() == 0);
  CHECK(a->finished);
}

TEST_CASE("stream hub answers waiting clients with an error, not streaming ones") {
  hub_world w;
  auto waiting = std::make_shared<manual_sink>();
  w.hub->attach(waiting);  // no bytes yet: it waits
  CHECK(w.hub->waiting() == 1);
  w.hub->fail_waiting(504, R"({"detail":"x"})", {});
  CHECK(waiting->status == 504);
  CHECK(waiting->body == R"({"detail":"x"})");
  CHECK(w.hub->clients() == 0);
  CHECK(w.counters->clients == 0);

  w.hub->append(packets(0, 1), {0});
  auto streaming = std::make_shared<manual_sink>();
  w.hub->attach(streaming);  // joins at the PAT: gets the packet at once
  w.hub->fail_waiting(504, "{}", {});
  CHECK(streaming->status == 0);
  CHECK(w.hub->clients() == 1);
}

TEST_CASE("stream hub coalesces writes to streaming clients") {
  hub_options o;
  o.coalesce_bytes = 50 * ts_packet_size;
  auto counters = std::make_shared<relay_counters>();
  o.coalesce = std::chrono::hours(1);  // only the byte threshold or the tick publishes
  auto hub = std::make_shared<stream_hub>(o, counters, nullptr);
  auto a = std::make_shared<manual_sink>();
  hub->attach(a);
  hub->append(packets(0, 1), {});  // a joining client gets its first bytes at once
  REQUIRE(a->complete());
  for (int i = 1; i < 40; ++i)
    hub->append(packets(i, 1), {});
  CHECK(a->writes == 1);  // held back: under 50 packets
  hub->publish();         // the relay's tick
  CHECK(a->writes == 2);
  CHECK(a->last_slices == 1);  // 39 small upstream reads went out as one chunk
  a->drain();
  CHECK(a->received == packets(0, 40));
}

TEST_CASE("stream hub finish_all ends every response") {
  hub_world w;
  auto a = std::make_shared<manual_sink>();
  auto b = std::make_shared<manual_sink>();
  w.hub->attach(a);
  w.hub->attach(b);
  w.hub->finish_all();
  CHECK(a->finished);
  CHECK(b->finished);
  CHECK(w.counters->clients == 0);
}

TEST_CASE("reserve_client: threads racing for the last places take exactly that many") {
  relay_counters counters;
  counters.clients = 90;
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (reserve_client(counters, 100)) ++taken;
    });
  for (auto& t : threads)
    t.join();
  CHECK(taken == 10);
  CHECK(counters.clients == 100);
}
