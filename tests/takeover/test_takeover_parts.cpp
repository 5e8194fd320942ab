// The pieces of acepool --takeover without processes: the descriptor channel, the offer's
// encoding (and what it refuses), and a stream hub continued in another hub.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "actors/relay/stream_hub.hpp"
#include "actors/relay/ts_packets.hpp"
#include "actors/relay/upstream_body.hpp"
#include "takeover/fd_channel.hpp"
#include "takeover/handover_codec.hpp"
#include "tests/common/manual_sink.hpp"

namespace {

using namespace acepool;
using namespace std::chrono_literals;

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

/// A pair of connected unix stream sockets, closed at the end.
struct socket_pair {
  int a = -1, b = -1;
  socket_pair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    a = fds[0];
    b = fds[1];
  }
  ~socket_pair() {
    ::close(a);
    ::close(b);
  }
};

int dev_null() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/// `n` packets, a PAT first.
std::string takeover_packets(size_t n, uint8_t fill) {
  std::string out(n * relay::ts_packet_size, static_cast<char>(fill));
  for (size_t i = 0; i < n; ++i) {
    auto* p = reinterpret_cast<uint8_t*>(out.data()) + i * relay::ts_packet_size;
    p[0] = relay::ts_sync_byte;
    p[1] = i == 0 ? 0x40 : 0x01;  // PID 0 with payload_unit_start: a PAT
    p[2] = 0x00;
    p[3] = 0x10;
  }
  return out;
}

/// A client that can move: its socket is /dev/null; its in-flight write counts as sent.
class movable_sink : public testing::manual_sink {
 public:
  explicit movable_sink(bool can_move = true) : can_move_(can_move) {}
  void suspend(std::function<void(bool)> done) override { done(can_move_); }
  std::optional<relay::handover_socket> handover() override {
    if (!can_move_) return std::nullopt;
    return relay::handover_socket{dev_null(), true, "tail"};
  }
  void resume() override { resumed = true; }
  bool resumed = false;

 private:
  bool can_move_;
};

actors::relay_handover_ptr sample_relay() {
  auto h = std::make_shared<actors::relay_handover>();
  h->key = "abc";
  h->key_type = "content_id";
  h->params = "x=1";
  h->stream_id = "abc|s1";
  h->playback_url = "http://127.0.0.1:1/p";
  h->session = {"c1", "s1", "http://127.0.0.1:1/stat", "http://127.0.0.1:1/cmd"};
  h->started_at_ms = 1700000000000;
  h->upstream_fd = dev_null();
  h->upstream_body = relay::upstream_body(true).to_json();
  h->aligner_held = "12";
  h->hub.start = 1000;
  h->hub.bytes = takeover_packets(2, 7);
  h->hub.pats = {1000};
  for (int i = 0; i < 2; ++i)
    h->hub.clients.push_back({1188, 42, relay::handover_socket{dev_null(), i == 0, "unsent"}});
  return h;
}

}  // namespace

TEST_CASE(
    "takeover channel: a message carries its text, bytes and more descriptors than one "
    "sendmsg may") {
  socket_pair p;
  takeover::channel_message m;
  m.header = R"({"x":1})";
  m.blob = std::string(3 << 20, 'b');
  for (int i = 0; i < 600; ++i)
    m.fds.push_back(dev_null());
  std::optional<std::string> sent;
  std::thread sender([&] { sent = takeover::send_message(p.a, m, 10s); });
  std::string error;
  auto got = takeover::receive_message(p.b, 10s, error);
  sender.join();
  CHECK_FALSE(sent);
  REQUIRE(got);
  CHECK(got->header == m.header);
  CHECK(got->blob == m.blob);
  REQUIRE(got->fds.size() == 600);
  for (int fd : got->fds)
    CHECK(is_open(fd));
  takeover::close_fds(*got);
  takeover::close_fds(m);
}

TEST_CASE("takeover channel: what is not a message is refused before anything is allocated") {
  socket_pair p;
  std::string error;
  SECTION("another protocol's bytes") {
    REQUIRE(::write(p.a, "GET / HTTP/1.1\r\n\r\n", 18) == 18);
    CHECK_FALSE(takeover::receive_message(p.b, 2s, error));
    CHECK(error.find("not an acepool") != std::string::npos);
  }
  SECTION("sizes over the limits") {
    char frame[16] = {'A', 'C', 'T', 'K', 0, 0, 0, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0};
    REQUIRE(::write(p.a, frame, 16) == 16);
    CHECK_FALSE(takeover::receive_message(p.b, 2s, error));
    CHECK(error.find("limits") != std::string::npos);
  }
  SECTION("a sender that stops half-way") {
    char frame[16] = {'A', 'C', 'T', 'K', 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    REQUIRE(::write(p.a, frame, 16) == 16);
    REQUIRE(::write(p.a, "{\"a\"", 4) == 4);
    ::shutdown(p.a, SHUT_WR);
    CHECK_FALSE(takeover::receive_message(p.b, 2s, error));
    CHECK(error.find("closed") != std::string::npos);
  }
  SECTION("a sender that says nothing") {
    CHECK_FALSE(takeover::receive_message(p.b, 200ms, error));
    CHECK(error.find("timed out") != std::string::npos);
  }
}

TEST_CASE("takeover offer: what the old process sends, the new one reads back whole") {
  takeover::handover_offer offer;
  offer.listeners["api"] = dev_null();
  offer.relays.push_back(sample_relay());
  auto m = takeover::encode_offer(offer, "1.2.3");
  CHECK(m.fds.size() == 4);  // listener, upstream, two clients
  // The channel hands the receiver duplicates; here the message's own descriptors stand in.
  auto decoded = takeover::decode_offer(m);
  REQUIRE(std::holds_alternative<takeover::handover_offer>(decoded));
  auto& got = std::get<takeover::handover_offer>(decoded);
  REQUIRE(got.listeners.count("api") == 1);
  REQUIRE(got.relays.size() == 1);
  const auto& r = *got.relays[0];
  const auto& want = *offer.relays[0];
  CHECK(r.stream_id == want.stream_id);
  CHECK(r.session.stat_url == want.session.stat_url);
  CHECK(r.started_at_ms == want.started_at_ms);
  CHECK(r.aligner_held == "12");
  CHECK(r.hub.start == 1000);
  CHECK(r.hub.bytes == want.hub.bytes);
  CHECK(r.hub.pats == want.hub.pats);
  REQUIRE(r.hub.clients.size() == 2);
  CHECK(r.hub.clients[0].pos == 1188);
  CHECK(r.hub.clients[0].socket.chunked);
  CHECK_FALSE(r.hub.clients[1].socket.chunked);
  CHECK(r.hub.clients[1].socket.unsent == "unsent");
  takeover::close_offer(got);  // the same descriptors as `offer`'s: forgotten there
  offer.listeners.clear();
  offer.relays[0]->upstream_fd = -1;
  for (auto& c : offer.relays[0]->hub.clients)
    c.socket.fd = -1;
}

TEST_CASE("takeover offer: a malformed or hostile offer is refused and its descriptors closed") {
  auto attempt = [](const std::function<void(nlohmann::json&)>& spoil) {
    takeover::handover_offer offer;
    offer.relays.push_back(sample_relay());
    auto m = takeover::encode_offer(offer, "1");
    auto j = nlohmann::json::parse(m.header);
    spoil(j);
    m.header = j.dump();
    auto fds = m.fds;
    offer.relays[0]->upstream_fd = -1;  // the message's descriptors stand in for received ones
    for (auto& c : offer.relays[0]->hub.clients)
      c.socket.fd = -1;
    auto decoded = takeover::decode_offer(std::move(m));
    bool refused = std::holds_alternative<std::string>(decoded);
    for (int fd : fds)
      CHECK_FALSE(is_open(fd));  // refused or not, nothing leaks (accepted: closed below)
    if (!refused) takeover::close_offer(std::get<takeover::handover_offer>(decoded));
    return refused ? std::get<std::string>(decoded) : std::string();
  };
  CHECK(attempt([](auto& j) { j["offer"]["protocol"] = 99; }).find("protocol") !=
        std::string::npos);
  CHECK_FALSE(attempt([](auto& j) { j["offer"]["relays"][0]["upstream_fd"] = 77; }).empty());
  CHECK_FALSE(attempt([](auto& j) {
                j["offer"]["relays"][0]["hub"]["clients"][1]["fd"] =
                    j["offer"]["relays"][0]["hub"]["clients"][0]["fd"];
              }).empty());
  CHECK_FALSE(attempt([](auto& j) {
                j["offer"]["relays"][0]["hub"]["bytes"] = {0, 1 << 30};
              }).empty());
  CHECK_FALSE(
      attempt([](auto& j) { j["offer"]["relays"][0]["hub"]["clients"][0]["pos"] = 5; }).empty());
  CHECK_FALSE(attempt([](auto& j) { j["offer"]["relays"][0]["started_at_ms"] = -1; }).empty());
  CHECK_FALSE(attempt([](auto& j) { j["offer"]["relays"][0]["key"] = 5; }).empty());
  CHECK_FALSE(
      attempt([](auto& j) { j["offer"]["relays"][0]["upstream_body"]["state"] = "x"; }).empty());
}

TEST_CASE(
    "stream hub: a hub handed over mid-stream continues in another with nothing lost or "
    "repeated") {
  auto counters = std::make_shared<relay::relay_counters>();
  relay::hub_options o;
  o.coalesce = std::chrono::milliseconds(0);
  auto old_hub = std::make_shared<relay::stream_hub>(o, counters, nullptr);
  auto fast = std::make_shared<movable_sink>();
  auto slow = std::make_shared<movable_sink>();
  old_hub->append(takeover_packets(10, 1), {0});
  old_hub->attach(fast);
  old_hub->attach(slow);
  fast->drain();  // slow keeps its first write in flight
  old_hub->append(takeover_packets(10, 2), {0});
  fast->drain();
  bool suspended = false;
  old_hub->suspend([&] { suspended = true; });
  CHECK(suspended);
  old_hub->append(takeover_packets(5, 3), {});  // what came before the upstream froze: staged
  auto h = old_hub->handover();
  REQUIRE(h);
  REQUIRE(h->clients.size() == 2);
  for (auto& c : h->clients)
    ::close(c.socket.fd);

  auto new_hub = std::make_shared<relay::stream_hub>(o, counters, nullptr);
  new_hub->continue_from(*h);
  auto fast2 = std::make_shared<movable_sink>();
  auto slow2 = std::make_shared<movable_sink>();
  new_hub->adopt(fast2, h->clients[0].pos, h->clients[0].sent);
  new_hub->adopt(slow2, h->clients[1].pos, h->clients[1].sent);
  new_hub->append(takeover_packets(5, 4), {});
  new_hub->publish();
  fast2->drain();
  slow2->drain();
  new_hub->publish();
  fast2->drain();
  slow2->drain();
  auto whole = takeover_packets(10, 1) + takeover_packets(10, 2) + takeover_packets(5, 3) +
               takeover_packets(5, 4);
  CHECK(fast->received + fast2->received == whole);
  CHECK(slow->received + slow2->received == whole);
}

TEST_CASE("stream hub: a client that cannot move stays behind, answered at the release") {
  auto counters = std::make_shared<relay::relay_counters>();
  relay::hub_options o;
  o.coalesce = std::chrono::milliseconds(0);
  auto hub = std::make_shared<relay::stream_hub>(o, counters, nullptr);
  auto ok = std::make_shared<movable_sink>();
  auto stuck = std::make_shared<movable_sink>(false);
  hub->append(takeover_packets(4, 1), {0});
  hub->attach(ok);
  hub->attach(stuck);
  ok->drain();
  stuck->drain();
  bool suspended = false;
  hub->suspend([&] { suspended = true; });
  REQUIRE(suspended);
  hub->append(takeover_packets(4, 2), {});
  CHECK(ok->received.size() == 4 * relay::ts_packet_size);  // nothing written while suspended
  SECTION("the takeover happens: only the movable client moves; the other gets its end") {
    auto h = hub->handover();
    REQUIRE(h);
    REQUIRE(h->clients.size() == 1);
    ::close(h->clients[0].socket.fd);
    hub->fail_unmoved(503, "{}", {});
    CHECK(stuck->finished);
    CHECK_FALSE(ok->finished);
    CHECK(hub->clients() == 1);
  }
  SECTION("it does not: resume writes what came meanwhile") {
    hub->resume();
    ok->drain();
    CHECK(ok->resumed);
    CHECK(ok->received == takeover_packets(4, 1) + takeover_packets(4, 2));
  }
}
