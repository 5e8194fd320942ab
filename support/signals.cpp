#include "support/signals.hpp"

#include <csignal>

namespace acepool::support {

namespace {

sigset_t termination_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);  // binary upgrade: start a successor with --takeover
  return set;
}

}  // namespace

void block_termination_signals() {
  auto set = termination_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_termination_signal() {
  auto set = termination_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

}  // namespace acepool::support
