#include "actors/relay/relay_handover.hpp"

#include <unistd.h>

namespace acepool::actors {

relay_handover::~relay_handover() {
  close_handover(*this);
}

void close_handover(relay_handover& h) {
  if (h.upstream_fd >= 0) ::close(h.upstream_fd);
  h.upstream_fd = -1;
  for (auto& c : h.hub.clients) {
    if (c.socket.fd >= 0) ::close(c.socket.fd);
    c.socket.fd = -1;
  }
}

}  // namespace acepool::actors
