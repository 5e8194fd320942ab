#include <catch2/catch.hpp>

#include "docker/curl_docker_client.hpp"
#include "docker/docker_json.hpp"

using namespace acepool::docker;
using nlohmann::json;

TEST_CASE(
    "the create body carries image, labels, env, ports, memory, healthcheck and restart policy") {
  container_spec s;
  s.name = "acestream-1";
  s.image = "img:1";
  s.cmd = {"engine"};
  s.labels = {{"orchestrator.managed", "acestream"}};
  s.env = {"HTTP_PORT=19001"};
  s.ports["19001/tcp"] = {{"127.0.0.1", 19001}};
  s.memory_bytes = 512ull << 20;
  s.healthcheck =
      healthcheck_spec{{"CMD", "/x"}, std::chrono::seconds(2), std::chrono::seconds(1), 1, {}};
  auto b = create_body(s);
  CHECK(b["Image"] == "img:1");
  CHECK(b["Cmd"] == json::array({"engine"}));
  CHECK(b["Labels"]["orchestrator.managed"] == "acestream");
  CHECK(b["Env"] == json::array({"HTTP_PORT=19001"}));
  CHECK(b["ExposedPorts"] == json{{"19001/tcp", json::object()}});
  CHECK(b["HostConfig"]["PortBindings"]["19001/tcp"] ==
        json::array({{{"HostIp", "127.0.0.1"}, {"HostPort", "19001"}}}));
  CHECK(b["HostConfig"]["Memory"] == 512ull << 20);
  CHECK(b["HostConfig"]["RestartPolicy"]["Name"] == "no");
  CHECK(b["Healthcheck"]["Interval"] == 2'000'000'000);
  CHECK(b["Healthcheck"]["Retries"] == 1);
}

TEST_CASE("a container in another container's network namespace publishes no ports") {
  container_spec s;
  s.image = "img";
  s.network_mode = "container:gluetun";
  auto b = create_body(s);
  CHECK(b["HostConfig"]["NetworkMode"] == "container:gluetun");
  CHECK_FALSE(b.contains("ExposedPorts"));
  CHECK_FALSE(b["HostConfig"].contains("PortBindings"));
}

TEST_CASE("container lists and inspect answers are parsed") {
  auto list = parse_container_list(json::parse(R"([
    {"Id":"abc","Names":["/acestream-1"],"Image":"img","State":"running","Status":"Up 1 minute","Created":5,
     "Labels":{"a":"b"},"Ports":[{"IP":"127.0.0.1","PrivatePort":19001,"PublicPort":19001,"Type":"tcp"},
                                  {"PrivatePort":8621,"Type":"tcp"}]},
    {"no":"id"}])"));
  REQUIRE(list.size() == 1);
  CHECK(list[0].name == "acestream-1");
  CHECK(list[0].ports.at("19001/tcp").front() == port_binding{"127.0.0.1", 19001});
  CHECK(list[0].ports.size() == 1);
  auto d = parse_container_details(
      json::parse(R"({"Id":"abc","Name":"/x","Created":"2026-01-01T00:00:00Z",
    "State":{"Status":"exited","Running":false,"ExitCode":143,"StartedAt":"s","Health":{"Status":"unhealthy"}},
    "Config":{"Image":"img","Labels":{"k":"v"},"Env":["A=1"]},"HostConfig":{"NetworkMode":"bridge"},
    "NetworkSettings":{"Ports":{"19001/tcp":[{"HostIp":"127.0.0.1","HostPort":"19001"}],"8621/tcp":null}}})"));
  CHECK(d.name == "x");
  CHECK(d.exit_code == 143);
  CHECK(d.health == "unhealthy");
  CHECK(d.labels.at("k") == "v");
  CHECK(d.ports.at("19001/tcp").front().host_port == 19001);
  CHECK(d.ports.at("8621/tcp").empty());
}

TEST_CASE("events are parsed from the stream's JSON lines") {
  auto e = parse_event(
      R"({"Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"137","name":"x"}},"timeNano":123})");
  REQUIRE(e);
  CHECK(e->action == "die");
  CHECK(e->id == "abc");
  CHECK(e->attributes.at("exitCode") == "137");
  CHECK(e->time_nano == 123);
  CHECK_FALSE(parse_event("not json"));
  CHECK_FALSE(parse_event("{}"));
}

TEST_CASE("Docker's answers are mapped to the error classes, keeping its message") {
  CHECK(classify_http_error(404, "No such image: x").code == docker_errc::image_missing);
  CHECK(classify_http_error(404, "No such container: y").code == docker_errc::not_found);
  CHECK(classify_http_error(409, "Conflict. The container name is already in use").code ==
        docker_errc::conflict);
  auto port = classify_http_error(
      500, "driver failed programming external connectivity: bind: address already in use");
  CHECK(port.code == docker_errc::port_in_use);
  CHECK(port.message ==
        "driver failed programming external connectivity: bind: address already in use");
  CHECK(classify_http_error(500, "Bind for 0.0.0.0:80 failed: port is already allocated").code ==
        docker_errc::port_in_use);
  CHECK(classify_http_error(500, "pull access denied for x").code == docker_errc::image_missing);
  CHECK(classify_http_error(500, "something else").code == docker_errc::other);
  CHECK(std::string(to_string(docker_errc::daemon_unreachable)) == "daemon_unreachable");
  // A redirect means Docker cleaned the path: the reference named nothing.
  auto moved = classify_http_error(301, "");
  CHECK(moved.code == docker_errc::not_found);
  CHECK(moved.message == "HTTP 301 from the Docker API");
}

TEST_CASE("only ids and names can be container references") {
  for (const char* ok : {"acestream-1", "/acestream-1", "3f2a9c", "a_b.c-d", "A"})
    CHECK(is_container_reference(ok));
  for (const char* bad :
       {"", "/", "../etc", "..", "a/b", "-x", ".hidden", "a b", "a%2fb", "\xFF", "a?b", "a#b"})
    CHECK_FALSE(is_container_reference(bad));
  CHECK_FALSE(is_container_reference(std::string(256, 'a')));
}

TEST_CASE("image references are split into fromImage and tag") {
  CHECK(split_image_ref("acepool/sim:latest").from_image == "acepool/sim");
  CHECK(split_image_ref("acepool/sim:latest").tag == "latest");
  CHECK(split_image_ref("127.0.0.1:1/acepool-missing:x").from_image ==
        "127.0.0.1:1/acepool-missing");
  CHECK(split_image_ref("127.0.0.1:1/acepool-missing:x").tag == "x");
  CHECK(split_image_ref("registry:5000/img").tag == "latest");
  CHECK(split_image_ref("registry:5000/img").from_image == "registry:5000/img");
  CHECK(split_image_ref("img@sha256:abc").tag.empty());
}

TEST_CASE("docker_message: Docker's message, or one screen of whatever else came back") {
  CHECK(acepool::docker::docker_message(R"({"message":"no such container"})") ==
        "no such container");
  CHECK(acepool::docker::docker_message("plain text\r\n") == "plain text");
  // A proxy's HTML page in place of an answer: cut, never in the middle of a character.
  std::string page = "<html>" + std::string(400, 'x') + "</html>";
  auto cut = acepool::docker::docker_message(page);
  CHECK(cut.size() <= 300 + std::string("…").size());
  CHECK(cut.substr(cut.size() - std::string("…").size()) == "…");
  std::string wide;
  for (int i = 0; i < 200; ++i)
    wide += "é";  // 2 bytes each
  auto cut_wide = acepool::docker::docker_message(" " + wide);
  CHECK(cut_wide.size() <= 303);
  auto body = cut_wide.substr(0, cut_wide.size() - std::string("…").size());
  CHECK((body.size() - 1) % 2 == 0);  // whole characters only
}
