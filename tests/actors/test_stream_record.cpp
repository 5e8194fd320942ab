#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "actors/stream_record.hpp"

using namespace acepool::actors;
using nlohmann::json;

namespace {

json started_body() {
  return json::parse(R"({"container_id":null,"engine":{"host":"localhost","port":19001},
    "stream":{"key_type":"content_id","key":"abc"},
    "session":{"playback_session_id":"ps1","stat_url":"http://localhost:19001/ace/stat/x/y",
               "command_url":"http://localhost:19001/ace/cmd/x/y","is_live":1}})");
}

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

TEST_CASE("a stream_started event parses into its fields, the id is <key>|<playback_session_id>") {
  auto p = parse_stream_started(started_body());
  REQUIRE(p.event);
  CHECK(p.event->engine_host == "localhost");
  CHECK(p.event->engine_port == 19001);
  CHECK(p.event->key_type == "content_id");
  CHECK(p.event->is_live);
  CHECK_FALSE(p.event->container_id);
  CHECK(stream_id_of(*p.event) == "abc|ps1");
  auto labelled = started_body();
  labelled["labels"] = {{"stream_id", "mine"}, {"x", "y"}};
  CHECK(stream_id_of(*parse_stream_started(labelled).event) == "mine");
  auto not_live = started_body();
  not_live["session"]["is_live"] = 0;
  CHECK_FALSE(parse_stream_started(not_live).event->is_live);
}

TEST_CASE("a bad stream_started event names the field at fault") {
  auto broken = [](const char* pointer, json value) {
    auto b = started_body();
    b[json::json_pointer(pointer)] = std::move(value);
    return parse_stream_started(b);
  };
  CHECK(broken("/engine/port", 0).loc == json{"engine", "port"});
  CHECK(broken("/engine/port", "19001").loc == json{"engine", "port"});
  CHECK(broken("/engine/host", 5).loc == json{"engine", "host"});
  CHECK(broken("/stream/key_type", "torrent").loc == json{"stream", "key_type"});
  CHECK(broken("/stream/key", "").loc == json{"stream", "key"});
  CHECK(broken("/session/stat_url", "ftp://x").loc == json{"session", "stat_url"});
  CHECK(broken("/session/is_live", "yes").loc == json{"session", "is_live"});
  CHECK(broken("/labels", json{{"a", 1}}).loc == json{"labels", "a"});
  CHECK(broken("/container_id", 7).loc == json{"container_id"});
  auto no_session = started_body();
  no_session.erase("session");
  CHECK(parse_stream_started(no_session).loc == json{"session"});
  CHECK_FALSE(parse_stream_started(json::array()).event);
}

TEST_CASE("a stream_ended event accepts nulls and refuses wrong types") {
  auto ok = parse_stream_ended(json{{"stream_id", "abc|ps1"}, {"container_id", nullptr}});
  REQUIRE(ok.event);
  CHECK(ok.event->stream_id == "abc|ps1");
  CHECK_FALSE(ok.event->reason);
  auto bad = parse_stream_ended(json{{"stream_id", 5}});
  CHECK_FALSE(bad.event);
  CHECK(bad.loc == json{"stream_id"});
}

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

TEST_CASE("the Stream object carries api.md's fields, stats null before the first snapshot") {
  stream_record s;
  s.id = "abc|ps1";
  s.key = "abc";
  s.key_type = "content_id";
  s.started_at = std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));
  auto j = stream_json(s);
  for (const char* k :
       {"id", "key_type", "key", "container_id", "playback_session_id", "stat_url", "command_url",
        "is_live", "started_at", "ended_at", "status", "end_reason", "clients", "source", "peers",
        "speed_down", "speed_up", "downloaded", "uploaded"})
    CHECK(j.contains(k));
  CHECK(j["status"] == "started");
  CHECK(j["started_at"] == "2026-01-02T03:04:05.000Z");
  CHECK(j["peers"].is_null());
  CHECK(j["ended_at"].is_null());
}
