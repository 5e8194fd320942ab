#include <catch2/catch.hpp>

#include "config/value_parsers.hpp"

using namespace acepool::config;
using std::chrono::milliseconds;

TEST_CASE("booleans accept true/false/t/f/1/0/yes/no in any case and nothing else") {
  for (auto t : {"true", "TRUE", "True", "1", "yes", "YES", " yes ", "t", "T"})
    CHECK(parse_bool(t) == true);
  for (auto f : {"false", "FALSE", "0", "no", "No", "f", "F"})
    CHECK(parse_bool(f) == false);
  for (auto bad : {"", "on", "off", "2", "y", "truee"})
    CHECK_FALSE(parse_bool(bad).has_value());
}

TEST_CASE("integers are decimal and within their bounds") {
  CHECK(parse_integer("42", 0, 100) == 42);
  CHECK(parse_integer(" 7 ", 0, 100) == 7);
  CHECK(parse_integer("-3", -5, 5) == -3);
  CHECK_FALSE(parse_integer("101", 0, 100));
  CHECK_FALSE(parse_integer("-1", 0, 100));
  CHECK_FALSE(parse_integer("1.5", 0, 100));
  CHECK_FALSE(parse_integer("0x10", 0, 100));
  CHECK_FALSE(parse_integer("", 0, 100));
  CHECK_FALSE(parse_integer("12abc", 0, 100));
  CHECK_FALSE(parse_integer("99999999999999999999", 0, 100));
}

TEST_CASE("durations accept integer and decimal seconds kept to the millisecond") {
  CHECK(parse_seconds("30", 0, 100) == milliseconds(30000));
  CHECK(parse_seconds("0.5", 0, 100) == milliseconds(500));
  CHECK(parse_seconds(".25", 0, 100) == milliseconds(250));
  CHECK(parse_seconds("1.0005", 0, 100) == milliseconds(1001));
  CHECK_FALSE(parse_seconds("-1", 0, 100));
  CHECK_FALSE(parse_seconds("101", 0, 100));
  CHECK_FALSE(parse_seconds("0.05", 0.1, 100));
  CHECK_FALSE(parse_seconds("5s", 0, 100));
  CHECK_FALSE(parse_seconds("1e3", 0, 100000));
  CHECK_FALSE(parse_seconds("1.", 0, 100));
  CHECK_FALSE(parse_seconds("", 0, 100));
}

TEST_CASE("Go durations as acexy writes them") {
  CHECK(parse_go_duration("1m") == milliseconds(60000));
  CHECK(parse_go_duration("30s") == milliseconds(30000));
  CHECK(parse_go_duration("1m30s") == milliseconds(90000));
  CHECK(parse_go_duration("500ms") == milliseconds(500));
  CHECK(parse_go_duration("1.5s") == milliseconds(1500));
  CHECK(parse_go_duration("2h") == milliseconds(7200000));
  CHECK(parse_go_duration("0") == milliseconds(0));
  CHECK_FALSE(parse_go_duration("30"));
  CHECK_FALSE(parse_go_duration("1d"));
  CHECK_FALSE(parse_go_duration(""));
}

TEST_CASE("port ranges are LOW-HIGH within 1..65535") {
  auto r = parse_port_range("19000-19999");
  REQUIRE(r);
  CHECK(r->low == 19000);
  CHECK(r->high == 19999);
  CHECK(r->size() == 1000);
  CHECK(parse_port_range("5-5")->size() == 1);
  CHECK_FALSE(parse_port_range("200-100"));
  CHECK_FALSE(parse_port_range("0-10"));
  CHECK_FALSE(parse_port_range("1-65536"));
  CHECK_FALSE(parse_port_range("1000"));
  CHECK_FALSE(parse_port_range("a-b"));
  CHECK(port_range{10, 20}.overlaps(port_range{20, 30}));
  CHECK_FALSE(port_range{10, 20}.overlaps(port_range{21, 30}));
}

TEST_CASE("comma lists trim items and reject empty ones") {
  CHECK(parse_list("a, b ,c") == std::vector<std::string>{"a", "b", "c"});
  CHECK(parse_list("")->empty());
  CHECK_FALSE(parse_list("a,,b"));
  CHECK_FALSE(parse_list("a,"));
}

TEST_CASE("labels are key=value with exactly one equals sign") {
  auto l = parse_label("orchestrator.managed=acestream");
  REQUIRE(l);
  CHECK(l->first == "orchestrator.managed");
  CHECK(l->second == "acestream");
  CHECK_FALSE(parse_label("novalue"));
  CHECK_FALSE(parse_label("a=b=c"));
  CHECK_FALSE(parse_label("=x"));
  CHECK_FALSE(parse_label("x="));
  CHECK_FALSE(parse_label("a b=c"));
}

TEST_CASE("engine extra env is K=V pairs separated by semicolons with environment names") {
  auto kv = parse_env_pairs("A=1;B_2=x y;;");
  REQUIRE(kv);
  REQUIRE(kv->size() == 2);
  CHECK((*kv)[1] == std::make_pair(std::string("B_2"), std::string("x y")));
  CHECK(parse_env_pairs("X=")->front().second.empty());
  CHECK_FALSE(parse_env_pairs("1A=2"));
  CHECK_FALSE(parse_env_pairs("A-B=2"));
  CHECK_FALSE(parse_env_pairs("NOEQUALS"));
}

TEST_CASE("addresses: numeric IPs, host names and host:port lists") {
  CHECK(parse_ip_address("0.0.0.0"));
  CHECK(parse_ip_address("::1"));
  CHECK_FALSE(parse_ip_address("localhost"));
  CHECK_FALSE(parse_ip_address("256.1.1.1"));
  CHECK(parse_host("engine-1.local"));
  CHECK(parse_host("10.0.0.2"));
  CHECK_FALSE(parse_host("bad host"));
  CHECK_FALSE(parse_host("-x.com"));
  auto list = parse_host_port_list("localhost:6878, 10.0.0.5:19000,[::1]:80");
  REQUIRE(list);
  REQUIRE(list->size() == 3);
  CHECK((*list)[0] == host_port{"localhost", 6878});
  CHECK((*list)[2] == host_port{"::1", 80});
  CHECK_FALSE(parse_host_port_list("localhost"));
  CHECK_FALSE(parse_host_port_list("localhost:0"));
  CHECK_FALSE(parse_host_port_list("localhost:70000"));
}

TEST_CASE("DOCKER_HOST takes a unix socket path or tcp host:port") {
  auto u = parse_docker_host("unix:///var/run/docker.sock");
  REQUIRE(u);
  CHECK(u->kind == docker_endpoint::transport::unix_socket);
  CHECK(u->socket_path == "/var/run/docker.sock");
  auto t = parse_docker_host("tcp://10.0.0.1:2376");
  REQUIRE(t);
  CHECK(t->kind == docker_endpoint::transport::tcp);
  CHECK(t->address == host_port{"10.0.0.1", 2376});
  CHECK_FALSE(parse_docker_host("unix://relative.sock"));
  CHECK_FALSE(parse_docker_host("ssh://host"));
  CHECK_FALSE(parse_docker_host("tcp://host"));
  CHECK_FALSE(parse_docker_host("/var/run/docker.sock"));
}

TEST_CASE("API versions, byte sizes, image references, SQLite URLs and CORS origins") {
  CHECK(parse_api_version("1.41") == "1.41");
  CHECK(parse_api_version("v1.43") == "1.43");
  CHECK_FALSE(parse_api_version("141"));
  CHECK_FALSE(parse_api_version("1.x"));
  CHECK(parse_byte_size("512m") == 512ull << 20);
  CHECK(parse_byte_size("1G") == 1ull << 30);
  CHECK(parse_byte_size("64kb") == 64ull << 10);
  CHECK(parse_byte_size("1048576") == 1048576ull);
  CHECK_FALSE(parse_byte_size("12t"));
  CHECK_FALSE(parse_byte_size("m"));
  CHECK(parse_image_ref("ghcr.io/a/b:latest"));
  CHECK_FALSE(parse_image_ref("has space"));
  CHECK_FALSE(parse_image_ref(""));
  CHECK(parse_sqlite_url("sqlite:///./acepool.db") == "./acepool.db");
  CHECK(parse_sqlite_url("sqlite:////var/lib/acepool.db") == "/var/lib/acepool.db");
  CHECK(parse_sqlite_url("sqlite:///:memory:") == ":memory:");
  CHECK_FALSE(parse_sqlite_url("postgres://x"));
  CHECK_FALSE(parse_sqlite_url("sqlite:///"));
  CHECK(parse_cors_origins("*"));
  CHECK(parse_cors_origins("https://a.example, http://b.example:8080"));
  CHECK_FALSE(parse_cors_origins("a.example"));
  CHECK_FALSE(parse_cors_origins("https://a.example/path"));
  CHECK(parse_cors_origins("")->empty());  // set but empty: no origin
  CHECK(parse_allowed_hosts("*") == std::vector<std::string>{"*"});
  CHECK(parse_allowed_hosts("Acepool.LAN, nas.local") ==
        std::vector<std::string>{"acepool.lan", "nas.local"});
  CHECK(parse_allowed_hosts(" ")->empty());
  CHECK_FALSE(parse_allowed_hosts("http://a.example"));
  CHECK_FALSE(parse_allowed_hosts("a b"));
}

TEST_CASE("durations are shown the way they are written") {
  CHECK(format_seconds(milliseconds(30000)) == "30");
  CHECK(format_seconds(milliseconds(500)) == "0.5");
  CHECK(format_seconds(milliseconds(1250)) == "1.25");
  CHECK(format_seconds(milliseconds(0)) == "0");
}
