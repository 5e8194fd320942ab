// acepool --takeover with engine containers on the real daemon: 200 viewers of five 4 Mbit/s
// streams move to a new process started from another copy of the binary without a break, and a
// new process killed before it committed leaves every viewer with the old one.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/common/acepool_process.hpp"
#include "tests/common/child_process.hpp"
#include "tests/common/docker_env.hpp"
#include "tests/common/http_client.hpp"
#include "tests/common/pool_test_env.hpp"
#include "tests/common/socket_proxy.hpp"
#include "tests/common/stream_reader.hpp"

using namespace acepool::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

using readers_t = std::vector<std::unique_ptr<stream_reader>>;

readers_t start_readers(const acepool_process& ace, const std::vector<std::string>& keys,
                        size_t per_key) {
  readers_t readers;
  for (size_t i = 0; i < per_key; ++i)
    for (const auto& key : keys)
      readers.push_back(std::make_unique<stream_reader>(ace.url("/ace/getstream?id=" + key)));
  return readers;
}

/// Whether every reader got `more` bytes beyond what it had.
bool all_advance(const readers_t& readers, uint64_t more, std::chrono::seconds timeout = 60s) {
  std::vector<uint64_t> from;
  for (const auto& r : readers)
    from.push_back(r->bytes());
  for (size_t i = 0; i < readers.size(); ++i)
    if (!readers[i]->wait_for_bytes(from[i] + more, timeout)) return false;
  return true;
}

/// Connected, and the byte stream unbroken (sync, continuity counters, packet numbers).
size_t broken(const readers_t& readers) {
  size_t n = 0;
  for (const auto& r : readers) {
    auto rep = r->report();
    if (r->finished() || rep.sync_errors != 0 || rep.cc_errors != 0 || rep.index_jumps != 0) {
      UNSCOPED_INFO("reader: finished=" << r->finished() << " sync=" << rep.sync_errors
                                        << " cc=" << rep.cc_errors << " jumps=" << rep.index_jumps
                                        << " " << r->error());
      ++n;
    }
  }
  return n;
}

/// Engine sessions started, over every engine (each engine's /sim/stats).
int sessions_started(const acepool_process& ace) {
  int n = 0;
  for (const auto& e : ace.engines()) {
    auto url = "http://127.0.0.1:" + std::to_string(e["port"].get<int>()) + "/sim/stats";
    auto stats = json::parse(http_get(url).body, nullptr, false);
    n += stats.is_object() ? stats.value("sessions_started", 0) : 0;
  }
  return n;
}

std::map<std::string, std::string> takeover_pool_env(const docker_run_scope& run,
                                                     const port_block& ports, const temp_dir& dir) {
  return pool_env(run, ports,
                  {{"TAKEOVER_SOCKET", dir.path() + "/takeover.sock"},
                   {"DB_URL", "sqlite:///" + dir.path() + "/acepool.db"},
                   {"ENGINE_EXTRA_ENV", "SIM_BITRATE=4000000"},
                   {"LOG_LEVEL", "info"}});
}

}  // namespace

TEST_CASE(
    "takeover e2e: 200 viewers of five 4 Mbit/s streams stay connected and unbroken across "
    "acepool --takeover") {
  require_docker();
  port_block ports;  // released after the run's containers are gone (declared first)
  docker_run_scope run;
  temp_dir dir;
  auto env = takeover_pool_env(run, ports, dir);
  auto old_one = std::make_unique<acepool_process>(env);
  const std::vector<std::string> keys{"7a000001", "7a000002", "7a000003", "7a000004", "7a000005"};
  auto readers = start_readers(*old_one, keys, 40);
  REQUIRE(all_advance(readers, 200000));
  REQUIRE(sessions_started(*old_one) == 5);
  auto before = json_of(old_one->get("/streams?status=started"));
  REQUIRE(before.size() == 5);

  // The upgraded binary: another file, as a fresh build would be.
  auto upgraded = dir.path() + "/acepool-upgraded";
  std::filesystem::copy_file(acepool_binary(), upgraded);
  acepool_process new_one(env, {"--takeover"}, 0, upgraded);
  REQUIRE(new_one.process().wait_for_line(
      [](const std::string& l) { return l.find("takeover.complete") != std::string::npos; }, 30s));
  auto code = old_one->process().wait(15s);
  CHECK(code == std::optional<int>(0));
  old_one->process().signal(SIGKILL);  // kill -9 after the handover: nothing changes

  REQUIRE(all_advance(readers, 1000000));  // 2 s of stream in the new process
  CHECK(broken(readers) == 0);
  CHECK(sessions_started(new_one) == 5);  // no engine saw a new session
  CHECK(new_one.engines().size() == 5);
  auto after = json_of(new_one.get("/streams?status=started"));
  CHECK(after.size() == 5);
  for (const auto& s : before) {
    bool continued = false;
    for (const auto& a : after)
      continued = continued || a["id"] == s["id"];
    CHECK(continued);
  }
  CHECK(json_of(new_one.get("/ace/status"))["clients"] == 200);
  stream_reader late(new_one.url("/ace/getstream?id=7a000003"));
  CHECK(late.wait_for_bytes(200000, 30s));
  for (auto& r : readers)
    r->stop();
}

TEST_CASE(
    "takeover e2e: a new process killed before it committed leaves every viewer with the "
    "old one") {
  require_docker();
  port_block ports;  // released after the run's containers are gone (declared first)
  docker_run_scope run;
  temp_dir dir;
  auto env = takeover_pool_env(run, ports, dir);
  acepool_process old_one(env);
  auto readers = start_readers(old_one, {"7b000001", "7b000002"}, 20);
  REQUIRE(all_advance(readers, 200000));
  REQUIRE(sessions_started(old_one) == 2);

  // The new process cannot reach Docker: it waits (up to 5 s) for the streams' engines before it
  // commits, and is killed meanwhile, holding every descriptor it received.
  socket_proxy docker(dir.path() + "/docker.sock");
  docker.cut();
  auto new_env = env;
  new_env["DOCKER_HOST"] = "unix://" + docker.path();
  child_process new_one(acepool_binary(), {"--takeover"}, new_env);
  REQUIRE(new_one.wait_for_line(
      [](const std::string& l) { return l.find("takeover.received") != std::string::npos; }, 30s));
  std::this_thread::sleep_for(300ms);
  new_one.signal(SIGKILL);
  CHECK(new_one.wait(10s) == std::optional<int>(128 + SIGKILL));
  REQUIRE(old_one.process().wait_for_line(
      [](const std::string& l) { return l.find("takeover.aborted") != std::string::npos; }, 30s));

  REQUIRE(all_advance(readers, 1000000));
  CHECK(broken(readers) == 0);
  CHECK(sessions_started(old_one) == 2);
  CHECK(old_one.process().running());
  CHECK(json_of(old_one.get("/ace/status"))["clients"] == 40);
  stream_reader late(old_one.url("/ace/getstream?id=7b000001"));
  CHECK(late.wait_for_bytes(200000, 30s));
  for (auto& r : readers)
    r->stop();
}
