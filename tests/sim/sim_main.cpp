// acepool-sim: an AceStream engine (`engine`) or Gluetun control server (`gluetun`) for tests and
// the demo, and the `healthcheck` client a Gluetun-sim container uses. Statically linked: it
// runs FROM scratch, shares no code with acepool, and exits at once on SIGTERM.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <asio.hpp>

#include "tests/sim/engine_sim.hpp"
#include "tests/sim/gluetun_sim.hpp"
#include "tests/sim/healthcheck_client.hpp"
#include "tests/sim/knobs.hpp"
#include "tests/sim/swarm_sim.hpp"

using namespace acepool::sim;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: acepool-sim engine [--http-port=N]\n"
               "       acepool-sim gluetun [--http-port=N]\n"
               "       acepool-sim swarm [--http-port=N] [--nodes=N] [--worker]\n"
               "       acepool-sim healthcheck --url http://127.0.0.1:8000/v1/openvpn/status\n");
  return 2;
}

// Port for engine mode: --http-port=N / --http-port N, env HTTP_PORT, a --http-port=N line in
// env CONF, else 6878. Gluetun mode also reads HTTP_CONTROL_SERVER_ADDRESS (":PORT").
std::optional<long> port_from(int argc, char** argv, bool gluetun) {
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--http-port=", 0) == 0) return std::strtol(a.c_str() + 12, nullptr, 10);
    if (a == "--http-port" && i + 1 < argc) return std::strtol(argv[i + 1], nullptr, 10);
  }
  if (gluetun) {
    if (const char* addr = std::getenv("HTTP_CONTROL_SERVER_ADDRESS")) {
      std::string s = addr;
      auto colon = s.rfind(':');
      if (colon != std::string::npos) return std::strtol(s.c_str() + colon + 1, nullptr, 10);
    }
    return 8000;
  }
  if (const char* p = std::getenv("HTTP_PORT"); p && *p) return std::strtol(p, nullptr, 10);
  if (const char* conf = std::getenv("CONF")) {
    std::string c = conf;
    auto pos = c.find("--http-port=");
    if (pos != std::string::npos) return std::strtol(c.c_str() + pos + 12, nullptr, 10);
  }
  return 6878;
}

/// --nodes=N (or env SWARM_SIM_NODES) for swarm mode: default 3, 1 to 64.
int nodes_from(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--nodes=", 0) == 0) return std::clamp(std::atoi(a.c_str() + 8), 1, 64);
  }
  if (const char* n = std::getenv("SWARM_SIM_NODES")) return std::clamp(std::atoi(n), 1, 64);
  return 3;
}

/// --worker (or env SWARM_SIM_WORKER=1): answer as a worker node's daemon.
bool worker_from(int argc, char** argv) {
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--worker") return true;
  const char* w = std::getenv("SWARM_SIM_WORKER");
  return w != nullptr && std::string(w) == "1";
}

/// This binary: swarm mode runs its engines as `<self> engine`.
std::string self_path() {
  char buf[4096];
  auto n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("acepool-sim");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  std::string mode = argv[1];
  if (mode == "healthcheck") {
    for (int i = 2; i + 1 < argc; ++i)
      if (std::string(argv[i]) == "--url") return run_healthcheck(argv[i + 1]);
    return usage();
  }
  if (mode != "engine" && mode != "gluetun" && mode != "swarm") return usage();
  knobs k;
  if (auto err = k.load_environment()) {
    std::fprintf(stderr, "acepool-sim: %s\n", err->c_str());
    return 2;
  }
  auto port = port_from(argc, argv, mode == "gluetun");
  if (!port || *port < 0 || *port > 65535) {
    std::fprintf(stderr, "acepool-sim: bad port\n");
    return 2;
  }
  asio::io_context io;
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&io](const asio::error_code&, int) { io.stop(); });
  std::unique_ptr<engine_sim> engine;
  std::unique_ptr<gluetun_sim> gluetun;
  std::unique_ptr<swarm_sim> swarm;
  std::unique_ptr<http_server> server;
  auto start_serving = [&] {
    request_handler handler;
    if (mode == "engine") {
      engine = std::make_unique<engine_sim>(io, k, static_cast<uint16_t>(*port));
      handler = [&engine](const std::shared_ptr<connection>& c, request& r) {
        engine->handle(c, r);
      };
    } else if (mode == "swarm") {
      swarm = std::make_unique<swarm_sim>(io, nodes_from(argc, argv), self_path(),
                                          !worker_from(argc, argv));
      handler = [&swarm](const std::shared_ptr<connection>& c, request& r) { swarm->handle(c, r); };
    } else {
      gluetun = std::make_unique<gluetun_sim>(k);
      handler = [&gluetun](const std::shared_ptr<connection>& c, request& r) {
        gluetun->handle(c, r);
      };
    }
    try {
      server = std::make_unique<http_server>(io, static_cast<uint16_t>(*port), handler);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "acepool-sim: cannot listen on port %ld: %s\n", *port, e.what());
      std::exit(1);
    }
    std::printf("{\"event\":\"listening\",\"mode\":\"%s\",\"port\":%u}\n", mode.c_str(),
                server->port());
    std::fflush(stdout);
  };
  // SIM_STARTUP_DELAY_MS: connections are refused until the engine "has started".
  asio::steady_timer startup(io, std::chrono::milliseconds(k.startup_delay_ms));
  startup.async_wait([&](const asio::error_code& ec) {
    if (!ec) start_serving();
  });
  io.run();
  return 0;
}
