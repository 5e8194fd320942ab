#include <catch2/catch.hpp>

#include "actors/streams/stream_record.hpp"

using namespace acepool::actors;

namespace {

engine_record make_engine(const std::string& id, const std::string& host, uint16_t port,
                          const std::string& name = "") {
  engine_record e;
  e.container_id = id;
  e.container_name = name.empty() ? id : name;
  e.host = host;
  e.port = port;
  return e;
}

}  // namespace

TEST_CASE("events match engines by container id, then host and port, then port alone on loopback") {
  auto a = make_engine("aaaaaaaaaaaaaaaaaaaa", "127.0.0.1", 19001, "acestream-1");
  auto b = make_engine("bbbbbbbbbbbbbbbbbbbb", "10.0.0.5", 19002, "acestream-2");
  b.container_http_port = 6878;
  std::vector<const engine_record*> all{&a, &b};
  CHECK(match_engine(all, std::string("bbbbbbbbbbbbbbbb"), "localhost", 19001) ==
        &b);  // id prefix wins
  CHECK(match_engine(all, std::nullopt, "10.0.0.5", 19002) == &b);
  CHECK(match_engine(all, std::nullopt, "localhost", 19001) == &a);  // how acexy reports engines
  CHECK(match_engine(all, std::nullopt, "127.0.0.1", 19002) == &b);
  CHECK(match_engine(all, std::nullopt, "acestream-2", 6878) == &b);  // on the engines' network
  CHECK(match_engine(all, std::nullopt, "example.org", 19001) == nullptr);
  CHECK(match_engine(all, std::nullopt, "localhost", 19009) == nullptr);
  CHECK(match_engine(all, std::string("cccccccccccccccc"), "example.org", 1) == nullptr);
  auto twin = make_engine("dddddddddddddddddddd", "10.0.0.6", 19001);
  auto c = make_engine("eeeeeeeeeeeeeeeeeeee", "10.0.0.7", 19001);
  std::vector<const engine_record*> two_on_port{&twin, &c};
  CHECK(match_engine(two_on_port, std::nullopt, "localhost", 19001) == nullptr);  // never guesses
}

TEST_CASE("stat answers: numbers of a live session, or the unknown-session marker") {
  auto now = std::chrono::system_clock::now();
  auto live = parse_stat_answer(
      R"({"response":{"status":"dl","peers":7,"speed_down":512,"speed_up":40,"downloaded":1048576,"uploaded":1024},"error":null})",
      now);
  REQUIRE(live.snapshot);
  CHECK(live.snapshot->peers == 7);
  CHECK(live.snapshot->downloaded == 1048576);
  CHECK(live.snapshot->status == "dl");
  CHECK(live.snapshot->ts == now);
  auto dead = parse_stat_answer(R"({"response":null,"error":"unknown playback session id"})", now);
  CHECK(dead.unknown_session);
  CHECK_FALSE(dead.snapshot);
  auto other = parse_stat_answer(R"({"response":null,"error":"busy"})", now);
  CHECK_FALSE(other.unknown_session);
  CHECK_FALSE(parse_stat_answer("<html>", now).snapshot);
}

TEST_CASE("engine URLs are rewritten to the address acepool reaches the engine on") {
  auto e = make_engine("a", "127.0.0.1", 19005);
  CHECK(reachable_url("http://localhost:6878/ace/stat/x/y", &e) ==
        "http://127.0.0.1:19005/ace/stat/x/y");
  CHECK(reachable_url("http://gluetun:6878?x=1", &e) == "http://127.0.0.1:19005?x=1");
  CHECK(reachable_url("http://localhost:6878/ace/stat/x/y", nullptr) ==
        "http://localhost:6878/ace/stat/x/y");
  // Whatever the URL names, with a known engine it reaches only that engine.
  CHECK(reachable_url("https://elsewhere.example/x", &e) == "http://127.0.0.1:19005/x");
  CHECK(reachable_url("http://169.254.169.254/latest/meta-data", &e) ==
        "http://127.0.0.1:19005/latest/meta-data");
  CHECK(reachable_url("ftp://host/x", &e).empty());
  CHECK(stop_url("http://h/ace/cmd/x/y") == "http://h/ace/cmd/x/y?method=stop");
  CHECK(stop_url("http://h/ace/cmd?a=1") == "http://h/ace/cmd?a=1&method=stop");
}

TEST_CASE("end reasons are one closed list, anything else reported by a proxy is ended_by_event") {
  CHECK(end_reasons().size() == 7);
  CHECK(normalize_end_reason("stale_stream_detected") == "stale_stream_detected");
  CHECK(normalize_end_reason("player went away") == "ended_by_event");
}
