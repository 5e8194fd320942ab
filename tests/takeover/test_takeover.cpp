// acepool --takeover between two acepool processes on loopback, relaying from simulator
// engines (STATIC_ENGINES, no Docker): viewers keep one unbroken byte stream, engines see no new
// session, and a takeover that does not complete leaves the old process serving.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "takeover/fd_channel.hpp"
#include "takeover/handover_codec.hpp"
#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/relay_test_env.hpp"
#include "tests/common/sim_process.hpp"
#include "tests/common/stream_reader.hpp"

namespace {

using namespace acepool;
using namespace acepool::testing;
using namespace std::chrono_literals;
using nlohmann::json;

/// The readers of one test: `per_key` on each of `keys` stream keys.
std::vector<std::unique_ptr<stream_reader>> start_readers(const acepool_process& ace,
                                                          const std::vector<std::string>& keys,
                                                          size_t per_key) {
  std::vector<std::unique_ptr<stream_reader>> readers;
  for (const auto& key : keys)
    for (size_t i = 0; i < per_key; ++i)
      readers.push_back(std::make_unique<stream_reader>(ace.url("/ace/getstream?id=" + key)));
  return readers;
}

/// Waits until every reader got `more` bytes beyond what it had.
bool all_advance(const std::vector<std::unique_ptr<stream_reader>>& readers, uint64_t more) {
  std::vector<uint64_t> from;
  for (const auto& r : readers)
    from.push_back(r->bytes());
  for (size_t i = 0; i < readers.size(); ++i)
    if (!readers[i]->wait_for_bytes(from[i] + more, 20s)) return false;
  return true;
}

/// Every reader still connected, its stream unbroken: no sync loss, no continuity break, the
/// simulator's packet numbers consecutive.
void check_unbroken(const std::vector<std::unique_ptr<stream_reader>>& readers) {
  for (const auto& r : readers) {
    auto rep = r->report();
    INFO(r->error() << " packets=" << rep.packets << " first=" << rep.first_index.value_or(0)
                    << " last=" << rep.last_index.value_or(0)
                    << " jump_to=" << (rep.jump_targets.empty() ? 0 : rep.jump_targets[0]));
    CHECK_FALSE(r->finished());
    CHECK(rep.sync_errors == 0);
    CHECK(rep.cc_errors == 0);
    CHECK(rep.index_jumps == 0);
  }
}

/// A connected unix socket to `path` (-1 when none answers).
int connect_unix(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// What the old process answers a hello with (its control field and value, or the offer).
takeover::channel_message say_hello(int fd, int protocol) {
  auto hello = takeover::control_message("hello", {{"protocol", protocol}, {"pid", ::getpid()}});
  REQUIRE_FALSE(takeover::send_message(fd, hello, 5s));
  std::string error;
  auto answer = takeover::receive_message(fd, 20s, error);
  INFO(error);
  REQUIRE(answer);
  return std::move(*answer);
}

std::map<std::string, std::string> takeover_env(const sim_process& sim, const temp_dir& dir) {
  return relay_env({&sim}, {{"TAKEOVER_SOCKET", dir.path() + "/takeover.sock"},
                            {"DB_URL", "sqlite:///" + dir.path() + "/acepool.db"},
                            {"MAX_STREAMS_PER_ENGINE", "10"}});
}

}  // namespace

TEST_CASE(
    "takeover: viewers of several streams keep an unbroken stream, engines see no new "
    "session") {
  sim_process sim;
  temp_dir dir;
  auto env = takeover_env(sim, dir);
  auto old_one = std::make_unique<acepool_process>(env);
  auto readers = start_readers(*old_one, {"aaaa0001", "aaaa0002", "aaaa0003"}, 4);
  REQUIRE(all_advance(readers, 100000));
  auto before = json_of(old_one->get("/streams?status=started"));
  REQUIRE(before.size() == 3);

  acepool_process new_one(env, {"--takeover"});
  CHECK(new_one.port() == old_one->port());  // the same listening socket
  // The old process leaves by itself; a kill -9 right after the handover changes nothing.
  auto code = old_one->process().wait(10s);
  old_one->process().signal(SIGKILL);
  CHECK(code == std::optional<int>(0));

  REQUIRE(all_advance(readers, 400000));  // > 0.5 s of stream in the new process
  check_unbroken(readers);
  CHECK(sessions_started(sim) == 3);
  // The records continue: same ids, still open, each viewer counted.
  auto after = json_of(new_one.get("/streams?status=started"));
  REQUIRE(after.size() == 3);
  for (const auto& s : before) {
    bool found = false;
    for (const auto& a : after)
      found = found || a["id"] == s["id"];
    CHECK(found);
  }
  CHECK(relay_status(new_one)["clients"] == 12);
  // New viewers come to the new process, on a running stream and on a new one.
  stream_reader late(new_one.url("/ace/getstream?id=aaaa0001"));
  stream_reader fresh(new_one.url("/ace/getstream?id=aaaa0004"));
  REQUIRE(late.wait_for_bytes(200000, 20s));
  REQUIRE(fresh.wait_for_bytes(200000, 20s));
  CHECK(sessions_started(sim) == 4);

  // What was taken over moves on again: a third process takes over from the second.
  acepool_process third(env, {"--takeover"});
  CHECK(new_one.process().wait(10s) == std::optional<int>(0));
  REQUIRE(all_advance(readers, 300000));
  REQUIRE(late.wait_for_bytes(late.bytes() + 300000, 20s));
  check_unbroken(readers);
  CHECK(late.report().index_jumps == 0);
  CHECK(sessions_started(sim) == 4);
  CHECK(relay_status(third)["clients"] == 14);
  for (auto& r : readers)
    r->stop();
}

TEST_CASE(
    "takeover: a new process that vanishes after receiving everything leaves the old one "
    "serving") {
  sim_process sim;
  temp_dir dir;
  auto env = takeover_env(sim, dir);
  acepool_process ace(env);
  auto readers = start_readers(ace, {"bbbb0001", "bbbb0002"}, 3);
  REQUIRE(all_advance(readers, 100000));
  for (int round = 0; round < 2; ++round) {
    int fd = connect_unix(dir.path() + "/takeover.sock");
    REQUIRE(fd >= 0);
    auto offer = say_hello(fd, takeover::protocol_version);
    // It got the listening socket, both streams' upstreams and every viewer's socket...
    auto decoded = takeover::decode_offer(std::move(offer));
    REQUIRE(std::holds_alternative<takeover::handover_offer>(decoded));
    auto& taken = std::get<takeover::handover_offer>(decoded);
    CHECK(taken.listeners.size() == 1);
    CHECK(taken.relays.size() == 2);
    // ...and then dies (round 0) or gives up (round 1) before committing.
    if (round == 1)
      takeover::send_message(fd, takeover::control_message("abort", "test gives up"), 2s);
    takeover::close_offer(taken);
    ::close(fd);
    REQUIRE(ace.process().wait_for_line(
        [](const std::string& l) { return l.find("takeover.aborted") != std::string::npos; }, 10s));
    REQUIRE(all_advance(readers, 300000));
  }
  check_unbroken(readers);
  CHECK(sessions_started(sim) == 2);
  CHECK(ace.process().running());
  CHECK(ace.get("/engines").status == 200);
  stream_reader late(ace.url("/ace/getstream?id=bbbb0001"));
  CHECK(late.wait_for_bytes(100000, 20s));
  for (auto& r : readers)
    r->stop();
}

TEST_CASE("takeover: what cannot take over is refused and says why, the old one serves on") {
  sim_process sim;
  temp_dir dir;
  auto env = takeover_env(sim, dir);
  acepool_process ace(env);
  stream_reader viewer(ace.url("/ace/getstream?id=cccc0001"));
  REQUIRE(viewer.wait_for_bytes(100000, 20s));
  auto sock = dir.path() + "/takeover.sock";

  SECTION("another protocol version") {
    int fd = connect_unix(sock);
    auto answer = say_hello(fd, takeover::protocol_version + 1);
    auto control = takeover::read_control(answer);
    REQUIRE(control);
    CHECK(control->first == "refused");
    CHECK(control->second["detail"].get<std::string>().find("protocol") != std::string::npos);
    CHECK(control->second["transient"] == false);
    CHECK(answer.fds.empty());
    ::close(fd);
  }
  SECTION("bytes that are not a takeover hello") {
    int fd = connect_unix(sock);
    std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n\xff\xfe";
    REQUIRE(::write(fd, junk.data(), junk.size()) == static_cast<ssize_t>(junk.size()));
    std::string error;
    auto answer = takeover::receive_message(fd, 10s, error);
    REQUIRE(answer);
    CHECK(takeover::read_control(*answer)->first == "refused");
    ::close(fd);
  }
  SECTION("a second acepool started on the same socket without --takeover") {
    auto r = run_program(acepool_binary(), {}, env, 20s);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("--takeover") != std::string::npos);
  }
  SECTION("--takeover without TAKEOVER_SOCKET, or with nobody serving there") {
    auto no_socket = relay_env({&sim});
    auto r = run_program(acepool_binary(), {"--takeover"}, no_socket, 20s);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("TAKEOVER_SOCKET") != std::string::npos);
  }
  SECTION("--takeover with nobody serving there starts as usual; the port still decides") {
    auto nobody = env;
    nobody["TAKEOVER_SOCKET"] = dir.path() + "/nobody.sock";
    nobody["APP_PORT"] = std::to_string(ace.port());  // the running one has it
    auto r = run_program(acepool_binary(), {"--takeover"}, nobody, 20s);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("takeover.nobody_serving") != std::string::npos);
    CHECK(r.err.find("in use") != std::string::npos);
    nobody.erase("APP_PORT");
    acepool_process fresh(nobody, {"--takeover"});
    CHECK(fresh.get("/engines").status == 200);
  }
  auto had = viewer.bytes();
  CHECK(viewer.wait_for_bytes(had + 200000, 20s));
  CHECK(viewer.report().index_jumps == 0);
  CHECK(ace.process().running());
}

TEST_CASE("takeover: SIGUSR2 starts the same executable with --takeover, which takes over") {
  sim_process sim;
  temp_dir dir;
  auto env = takeover_env(sim, dir);
  // A copy of the binary under its own path: what the successor runs is that path's file.
  auto binary = dir.path() + "/acepool";
  REQUIRE(run_program("/bin/cp", {acepool_binary(), binary}, {}, 20s).exit_code == 0);
  acepool_process old_one(env, {}, 0, binary);
  auto readers = start_readers(old_one, {"dddd0001"}, 3);
  REQUIRE(all_advance(readers, 100000));
  old_one.process().signal(SIGUSR2);
  // The successor shares the old process's stderr (it inherits it) and outlives it.
  auto line = old_one.process().wait_for_line(
      [](const std::string& l) { return l.find("takeover.successor") != std::string::npos; }, 10s);
  REQUIRE(line);
  auto successor = json::parse(*line)["pid"].get<int>();
  REQUIRE(successor > 0);
  struct reaper {
    int pid;
    ~reaper() { ::kill(pid, SIGTERM); }
  } reap{successor};
  CHECK(old_one.process().wait(15s) == std::optional<int>(0));
  REQUIRE(all_advance(readers, 300000));
  check_unbroken(readers);
  CHECK(sessions_started(sim) == 1);
  CHECK(http_get(old_one.url("/engines")).status == 200);  // the successor answers on the port
  CHECK(::kill(successor, 0) == 0);
  for (auto& r : readers)
    r->stop();
}
