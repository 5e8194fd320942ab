#include "tests/common/acepool_process.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

namespace acepool::testing {

using nlohmann::json;

const std::string& acepool_binary() {
  static const std::string path = ACEPOOL_BINARY;
  return path;
}

port_block::port_block() {
  mkdir("/tmp/acepool-test-ports", 0777);
  for (int block = 0; block < 300; ++block) {
    auto path = "/tmp/acepool-test-ports/" + std::to_string(block) + ".lock";
    int fd = open(path.c_str(), O_CREAT | O_RDWR, 0666);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      fd_ = fd;
      low_ = static_cast<uint16_t>(21000 + block * 40);
      return;
    }
    close(fd);
  }
  FAIL("no free port block under /tmp/acepool-test-ports");
}

port_block::~port_block() {
  if (fd_ >= 0) close(fd_);  // releases the lock
}

acepool_process::acepool_process(std::map<std::string, std::string> env,
                                 std::vector<std::string> args, uint64_t open_file_limit,
                                 const std::string& binary) {
  std::map<std::string, std::string> full{{"APP_PORT", "0"},
                                          {"APP_BIND", "127.0.0.1"},
                                          {"DB_URL", "sqlite:///:memory:"},
                                          {"TARGET_IMAGE", "acepool/sim:latest"},
                                          {"LOG_LEVEL", "debug"}};
  for (auto& [k, v] : env)
    full[k] = v;
  if (open_file_limit > 0) {
    auto limit = std::to_string(open_file_limit);
    args.insert(args.begin(), {"--nofile=" + limit + ":" + limit, "--", acepool_binary()});
    process_ = std::make_unique<child_process>("/usr/bin/prlimit", std::move(args), full);
  } else {
    process_ = std::make_unique<child_process>(binary.empty() ? acepool_binary() : binary,
                                               std::move(args), full);
  }
  auto line = process_->wait_for_line(
      [](const std::string& l) {
        return l.find("\"msg\":\"http.listening\"") != std::string::npos;
      },
      std::chrono::seconds(20));
  INFO(process_->stderr_text().substr(0, 4000));
  REQUIRE(line);
  port_ = json::parse(*line)["port"].get<uint16_t>();
}

acepool_process::~acepool_process() {
  if (process_->running()) stop();
}

std::string acepool_process::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

http_reply acepool_process::get(const std::string& path, std::vector<std::string> headers) const {
  return http_get(url(path), std::move(headers));
}

http_reply acepool_process::post(const std::string& path, const std::string& body) const {
  http_request r;
  r.method = "POST";
  r.url = url(path);
  r.body = body;
  r.timeout = std::chrono::seconds(180);
  r.headers = {"Content-Type: application/json"};
  return http_call(r);
}

http_reply acepool_process::del(const std::string& path) const {
  http_request r;
  r.method = "DELETE";
  r.url = url(path);
  r.timeout = std::chrono::seconds(120);
  return http_call(r);
}

json acepool_process::engines() const {
  return json::parse(get("/engines").body, nullptr, false);
}

json acepool_process::actor_state(const std::string& name) const {
  auto j = json::parse(get("/debug/actors/" + name).body, nullptr, false);
  return j.is_object() ? j["state"] : json(nullptr);
}

std::optional<int> acepool_process::stop(int sig) {
  process_->signal(sig);
  return process_->wait(std::chrono::seconds(15));
}

}  // namespace acepool::testing
