#include "takeover/process_takeover.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "http/relay_client.hpp"
#include "support/logging.hpp"

namespace acepool::takeover {

namespace {

using namespace std::chrono_literals;

constexpr auto export_timeout = 15s;

}  // namespace

takeover_hooks process_hooks(http::http_server& server, caf::actor_system& system,
                             const actors::stream_manager_handle& streams,
                             std::function<void()> handed_over) {
  takeover_hooks h;
  h.suspend = [&server, &system, streams](handover_offer& offer) -> std::optional<std::string> {
    offer.listeners = server.pause_accepting();
    std::optional<std::string> failed;
    caf::scoped_actor self{system};
    self->request(streams, export_timeout, actors::takeover_export_atom::value)
        .receive(
            [&offer](std::vector<actors::relay_handover_ptr>& relays) { offer.relays = relays; },
            [&failed](caf::error& e) { failed = to_string(e); });
    if (failed) {
      close_offer(offer);
      // A late export (after this timeout) is resumed too: nothing stays suspended.
      caf::anon_send(streams, actors::takeover_resume_atom::value);
      server.resume_accepting();
      return "a stream cannot move now (" + *failed + "); try again in a moment";
    }
    return std::nullopt;
  };
  h.resume = [&server, streams] {
    caf::anon_send(streams, actors::takeover_resume_atom::value);
    server.resume_accepting();
  };
  h.release = [&system, streams] {
    caf::scoped_actor self{system};
    bool released = false;
    self->request(streams, 30s, actors::takeover_release_atom::value)
        .receive([&released](caf::ok_atom) { released = true; }, [](caf::error&) {});
    return released;
  };
  h.handed_over = std::move(handed_over);
  return h;
}

void adopt_clients(http::http_server& server, handover_offer& offer) {
  for (auto& relay : offer.relays) {
    relay->adopted_clients.clear();
    for (auto& c : relay->hub.clients) {
      auto body = c.socket.fd >= 0 ? server.adopt_stream(c.socket) : nullptr;
      c.socket.fd = -1;  // the stream owns it now (or closed it)
      relay->adopted_clients.push_back(
          body ? std::make_shared<http::adopted_relay_client>(std::move(body)) : nullptr);
    }
  }
}

void adopt_relays(caf::actor_system& system, const actors::stream_manager_handle& streams,
                  handover_offer& offer) {
  caf::scoped_actor self{system};
  for (auto& relay : offer.relays) {
    self->request(streams, 10s, actors::takeover_adopt_atom::value, relay)
        .receive([](caf::ok_atom) {},
                 [&relay](caf::error& e) {
                   log::event(spdlog::level::err, "takeover.relay_lost",
                              {{"stream", relay->stream_id}, {"detail", to_string(e)}});
                 });
  }
  // The relays own the descriptors now (they read them when they start, after this returns).
  offer.relays.clear();
}

int start_successor(const std::string& executable, const std::vector<std::string>& args,
                    std::string& error) {
  std::vector<std::string> argv_text{executable};
  for (const auto& a : args)
    if (a != "--takeover") argv_text.push_back(a);
  argv_text.emplace_back("--takeover");
  std::vector<char*> argv;
  argv.reserve(argv_text.size() + 1);
  for (auto& a : argv_text)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (pid == 0) {
    ::setsid();
    // Nothing of this process's sockets goes along; the successor gets what it needs by takeover.
    ::close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(executable.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace acepool::takeover
