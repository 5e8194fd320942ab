#include "tests/common/netns_peer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "tests/common/child_process.hpp"
#include "tests/common/skip.hpp"

namespace acepool::testing {

namespace {

bool ip(const std::vector<std::string>& args) {
  return run_program("/usr/sbin/ip", args, {}, std::chrono::seconds(10)).exit_code == 0;
}

[[noreturn]] void unavailable(const std::string& why) {
  skip_test("network namespaces unavailable: " + why);
}

}  // namespace

netns_peer::netns_peer() {
  ::mkdir("/tmp/acepool-test-netns", 0777);
  for (int n = 1; n < 250 && lock_fd_ < 0; ++n) {
    auto path = "/tmp/acepool-test-netns/" + std::to_string(n) + ".lock";
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR, 0666);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      lock_fd_ = fd;
      index_ = n;
    } else {
      ::close(fd);
    }
  }
  if (lock_fd_ < 0) unavailable("no free namespace slot under /tmp/acepool-test-netns");
  ns_ = "acepool-t" + std::to_string(index_);
  host_if_ = "apt" + std::to_string(index_) + "h";
  auto peer_if = "apt" + std::to_string(index_) + "n";
  host_addr_ = "198.18." + std::to_string(index_) + ".1";
  peer_addr_ = "198.18." + std::to_string(index_) + ".2";
  // Leftovers of a run that was killed hold the same names.
  ip({"netns", "del", ns_});
  ip({"link", "del", host_if_});
  if (!ip({"netns", "add", ns_})) unavailable("ip netns add failed (needs root)");
  bool ok = ip({"link", "add", host_if_, "type", "veth", "peer", "name", peer_if}) &&
            ip({"link", "set", peer_if, "netns", ns_}) &&
            ip({"addr", "add", host_addr_ + "/30", "dev", host_if_}) &&
            ip({"link", "set", host_if_, "up"}) &&
            ip({"netns", "exec", ns_, "ip", "addr", "add", peer_addr_ + "/30", "dev", peer_if}) &&
            ip({"netns", "exec", ns_, "ip", "link", "set", peer_if, "up"}) &&
            ip({"netns", "exec", ns_, "ip", "link", "set", "lo", "up"});
  if (!ok) unavailable("veth setup failed");
}

netns_peer::~netns_peer() {
  ip({"netns", "del", ns_});
  ip({"link", "del", host_if_});
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

netns_peer::answer netns_peer::call(const std::string& method, const std::string& url,
                                    const std::vector<std::string>& headers,
                                    const std::string& body) const {
  temp_dir dir;
  std::vector<std::string> args{"netns", "exec",
                                ns_,     "curl",
                                "-s",    "-S",
                                "-m",    "20",
                                "-X",    method,
                                "-o",    dir.path() + "/body",
                                "-D",    dir.path() + "/head",
                                "-w",    "%{http_code}"};
  for (const auto& h : headers) {
    args.push_back("-H");
    args.push_back(h);
  }
  if (!body.empty()) {
    args.push_back("--data-binary");
    args.push_back("@" + dir.write("request", body));
  }
  args.push_back(url);
  auto r = run_program("/usr/sbin/ip", args, {}, std::chrono::seconds(30));
  answer a;
  a.status = std::atoi(r.out.c_str());
  a.body = read_file(dir.path() + "/body");
  auto head = read_file(dir.path() + "/head");
  size_t pos = 0;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) break;
    auto line = head.substr(pos, end - pos);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      auto name = line.substr(0, colon);
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      a.headers[name] = value;
    }
    pos = end + 2;
  }
  return a;
}

}  // namespace acepool::testing
