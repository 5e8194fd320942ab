#include "takeover/takeover_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "support/logging.hpp"

namespace acepool::takeover {

namespace {

using namespace std::chrono_literals;

constexpr auto hello_timeout = 5s;
// The new process builds its relays between the offer and its commit.
constexpr auto commit_timeout = 10s;  // viewers wait at most this long for a stalled successor
constexpr auto offer_timeout = 30s;

std::optional<sockaddr_un> unix_address(const std::string& path) {
  sockaddr_un a{};
  if (path.empty() || path.size() >= sizeof(a.sun_path)) return std::nullopt;
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

/// A connected, blocking unix socket to `path`, or -1 with errno set.
int connect_to(const std::string& path) {
  auto a = unix_address(path);
  if (!a) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&*a), sizeof(*a)) != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

void reply(int conn, const std::string& field, const nlohmann::json& value) {
  send_message(conn, control_message(field, value), 2s);
}

/// A refusal: `transient` when asking again shortly may succeed (a stream not streaming yet).
void refuse(int conn, const std::string& why, bool transient = false) {
  reply(conn, "refused", {{"detail", why}, {"transient", transient}});
}

}  // namespace

takeover_server::takeover_server(std::string path, std::string version, takeover_hooks hooks)
    : path_(std::move(path)), version_(std::move(version)), hooks_(std::move(hooks)) {}

takeover_server::~takeover_server() {
  stop();
}

std::optional<std::string> takeover_server::start(bool replace) {
  auto a = unix_address(path_);
  if (!a) return "TAKEOVER_SOCKET=" + path_ + ": not a usable unix socket path (at most 107 bytes)";
  if (!replace)
    if (auto taken = socket_taken(path_)) return taken;
  ::unlink(path_.c_str());  // left by a process that is gone (or the one this one replaced)
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto old_mask = ::umask(0077);  // 0600 from the start: no moment where others may connect
  bool bound = listen_fd_ >= 0 &&
               ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&*a), sizeof(*a)) == 0;
  ::umask(old_mask);
  if (!bound || ::listen(listen_fd_, 4) != 0 || ::pipe2(wake_, O_CLOEXEC) != 0) {
    std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    return "TAKEOVER_SOCKET=" + path_ + ": " + why;
  }
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void takeover_server::stop() {
  if (!thread_.joinable()) return;
  // A takeover under way that has not committed is aborted (this process is stopping); one that
  // has committed finishes first (join).
  stopping_ = true;
  if (int conn = serving_.load(); conn >= 0) ::shutdown(conn, SHUT_RDWR);
  char b = 0;
  (void)::write(wake_[1], &b, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  // The new process bound its own socket at this path after the handover: leave that one.
  if (!handed_over_) ::unlink(path_.c_str());
}

void takeover_server::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) continue;
    serving_ = conn;
    if (!stopping_) serve(conn);
    serving_ = -1;
    ::close(conn);
    if (handed_over_) return;
  }
}

void takeover_server::serve(int conn) {
  ucred peer{};
  socklen_t len = sizeof(peer);
  if (::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
      (peer.uid != ::getuid() && peer.uid != 0)) {
    log::event(spdlog::level::warn, "takeover.refused",
               {{"detail", "a process of another user asked"}, {"uid", peer.uid}});
    refuse(conn, "only the user acepool runs as may take it over");
    return;
  }
  std::string error;
  auto hello = receive_message(conn, hello_timeout, error, {4096, 0, 0});
  auto control = hello ? read_control(*hello) : std::nullopt;
  if (!control || control->first != "hello" || !control->second.is_object()) {
    log::event(spdlog::level::warn, "takeover.refused",
               {{"detail", hello ? "not a takeover hello" : error}});
    refuse(conn, "not a takeover hello");
    return;
  }
  auto protocol = control->second.value("protocol", nlohmann::json());
  if (!protocol.is_number_integer() || protocol.get<int64_t>() != protocol_version) {
    auto why = "takeover protocol " + protocol.dump() + " asked, this acepool (" + version_ +
               ") speaks " + std::to_string(protocol_version);
    log::event(spdlog::level::warn, "takeover.refused", {{"detail", why}});
    refuse(conn, why);
    return;
  }
  auto started = std::chrono::steady_clock::now();
  handover_offer offer;
  if (auto why = hooks_.suspend(offer)) {
    log::event(spdlog::level::warn, "takeover.refused", {{"detail", *why}});
    refuse(conn, *why, true);
    return;
  }
  size_t clients = 0, streams = offer.relays.size();
  for (const auto& r : offer.relays)
    clients += r->hub.clients.size();
  auto sent = send_message(conn, encode_offer(offer, version_), offer_timeout);
  close_offer(offer);  // duplicates: the originals stay in use until the commit
  auto answer = sent ? std::nullopt : receive_message(conn, commit_timeout, error);
  auto verdict = answer ? read_control(*answer) : std::nullopt;
  if (sent || !verdict || verdict->first != "commit" || stopping_) {
    hooks_.resume();
    reply(conn, "resumed", true);  // the new process must not use what it received
    auto why = sent                        ? *sent
               : !verdict                  ? error
               : verdict->first == "abort" ? "the new process gave up: " + verdict->second.dump()
                                           : "no commit";
    log::event(spdlog::level::warn, "takeover.aborted",
               {{"detail", why}, {"streams", streams}, {"clients", clients}});
    return;
  }
  handed_over_ = true;
  if (!hooks_.release()) {
    log::event(spdlog::level::critical, "takeover.release_failed",
               {{"detail",
                 "the relays did not all end in 30 s; exiting now so that nothing "
                 "handed over is touched again"}});
    log::logger().flush();
    std::_Exit(1);
  }
  reply(conn, "released", true);
  log::event(spdlog::level::info, "takeover.handed_over",
             {{"streams", streams},
              {"clients", clients},
              {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count()}});
  hooks_.handed_over();
}

std::optional<std::string> socket_taken(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  if (!S_ISSOCK(st.st_mode))
    return "TAKEOVER_SOCKET=" + path + ": exists and is not a socket; remove it or choose another";
  int probe = connect_to(path);
  if (probe < 0) return std::nullopt;
  ::close(probe);
  return "TAKEOVER_SOCKET=" + path +
         ": another acepool is serving there; start this one with --takeover to replace it";
}

// Swappable on purpose: a path and a version text, both named at the one call site
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
std::variant<taken_over, takeover_refusal> request_takeover(const std::string& path,
                                                            const std::string& version) {
  int fd = connect_to(path);
  if (fd < 0) {
    takeover_refusal no{
        "cannot reach a running acepool at TAKEOVER_SOCKET=" + path + ": " + std::strerror(errno),
        false};
    no.nobody = errno == ENOENT || errno == ECONNREFUSED;
    return no;
  }
  auto fail = [fd](std::string why,
                   bool transient = false) -> std::variant<taken_over, takeover_refusal> {
    ::close(fd);
    return takeover_refusal{std::move(why), transient};
  };
  // Only a process of this user (or root) may hand this one descriptors and state.
  ucred peer{};
  socklen_t len = sizeof(peer);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
      (peer.uid != ::getuid() && peer.uid != 0))
    return fail("TAKEOVER_SOCKET=" + path + " is served by a process of another user (uid " +
                std::to_string(peer.uid) + ")");
  auto asked_at = std::chrono::steady_clock::now();
  if (auto e = send_message(
          fd,
          control_message(
              "hello", {{"protocol", protocol_version}, {"version", version}, {"pid", ::getpid()}}),
          hello_timeout))
    return fail("takeover hello: " + *e);
  std::string error;
  auto m = receive_message(fd, offer_timeout + hello_timeout, error);
  if (!m) return fail("the running acepool sent nothing usable: " + error);
  if (auto control = read_control(*m); control && control->first == "refused") {
    close_fds(*m);
    const auto& r = control->second;
    auto detail = r.is_object() && r.value("detail", nlohmann::json()).is_string()
                      ? r["detail"].get<std::string>()
                      : r.dump();
    bool transient = r.is_object() && r.value("transient", false) == true;
    return fail("the running acepool refused the takeover: " + detail, transient);
  }
  auto decoded = decode_offer(std::move(*m));
  if (auto* why = std::get_if<std::string>(&decoded)) {
    send_message(fd, control_message("abort", *why), 2s);
    return fail(*why);  // another version's state: asking again changes nothing
  }
  return taken_over{std::move(std::get<handover_offer>(decoded)), fd, peer.pid, asked_at};
}

bool commit_takeover(taken_over& t) {
  bool owned = false;
  if (!send_message(t.channel, control_message("commit", true), 5s)) {
    std::string error;
    // The old process answers "released" (this one owns everything now) or "resumed" (it serves
    // on); it closes the connection only after either. A connection that ends without a word
    // means it died: nobody else uses the sockets then. Silence (a timeout) is not ownership.
    auto m = receive_message(t.channel, 35s, error, {4096, 0, 0});
    auto control = m ? read_control(*m) : std::nullopt;
    owned = control ? control->first == "released"
                    : error.find("closed the connection") != std::string::npos;
  }
  ::close(t.channel);
  t.channel = -1;
  return owned;
}

void abort_takeover(taken_over& t, const std::string& why) {
  if (t.channel >= 0) {
    send_message(t.channel, control_message("abort", why), 2s);
    ::close(t.channel);
    t.channel = -1;
  }
  close_offer(t.offer);
}

}  // namespace acepool::takeover
