#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "http/stream_json.hpp"

using namespace acepool::actors;
using namespace acepool::http;
using nlohmann::json;

namespace {

json started_body() {
  return json::parse(R"({"container_id":null,"engine":{"host":"localhost","port":19001},
    "stream":{"key_type":"content_id","key":"abc"},
    "session":{"playback_session_id":"ps1","stat_url":"http://localhost:19001/ace/stat/x/y",
               "command_url":"http://localhost:19001/ace/cmd/x/y","is_live":1}})");
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

TEST_CASE("a stream_started event with text beyond its limits is refused, naming the field") {
  auto sized = [](const char* pointer, json value) {
    auto b = started_body();
    b[json::json_pointer(pointer)] = std::move(value);
    return parse_stream_started(b);
  };
  CHECK(sized("/stream/key", std::string(8192, 'k')).event);
  auto key = sized("/stream/key", std::string(8193, 'k'));
  CHECK(key.loc == json{"stream", "key"});
  CHECK(key.error == "at most 8192 bytes");
  CHECK(sized("/session/playback_session_id", std::string(257, 'p')).loc ==
        json{"session", "playback_session_id"});
  CHECK(sized("/session/stat_url", "http://h/" + std::string(4096, 'u')).loc ==
        json{"session", "stat_url"});
  CHECK(sized("/container_id", std::string(257, 'c')).loc == json{"container_id"});
  CHECK(sized("/labels", json{{"a", std::string(257, 'v')}}).loc == json{"labels", "a"});
  json many = json::object();
  for (int i = 0; i < 33; ++i)
    many["l" + std::to_string(i)] = "v";
  CHECK(sized("/labels", many).loc == json{"labels"});
}

TEST_CASE("a stream_started event with control characters is refused, naming the field") {
  auto with = [](const char* pointer, std::string value) {
    auto b = started_body();
    b[json::json_pointer(pointer)] = std::move(value);
    return parse_stream_started(b);
  };
  // Its id would be refused in /streams/{id}: the stream could be neither stopped nor read.
  const std::vector<std::pair<const char*, json>> fields{
      {"/stream/key", {"stream", "key"}},
      {"/session/playback_session_id", {"session", "playback_session_id"}},
      {"/engine/host", {"engine", "host"}},
      {"/container_id", {"container_id"}}};
  for (const auto& [pointer, loc] : fields) {
    INFO(pointer);
    auto p = with(pointer, std::string("line1\nline2\r\n") + '\0' + "nul");
    CHECK_FALSE(p.event);
    CHECK(p.error == "must not contain control characters");
    CHECK(p.loc == loc);
  }
  CHECK(with("/stream/key", "ключ \u2003 鍵 🙂").event);  // any printable text is a key
  CHECK(with("/session/stat_url", "http://h/\x7f").loc == json{"session", "stat_url"});
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

TEST_CASE("the Stream object carries docs/api.md's fields, stats null before the first snapshot") {
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
