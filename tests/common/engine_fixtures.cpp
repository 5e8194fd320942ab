#include "tests/common/engine_fixtures.hpp"

namespace acepool::testing {

actors::engine_record running_engine(const std::string& id, uint16_t port) {
  actors::engine_record e;
  e.container_id = id;
  e.container_name = "acestream-" + std::to_string(port);
  e.host = "127.0.0.1";
  e.port = port;
  e.state = actors::engine_state::running;
  return e;
}

docker::container_summary running_engine_container(const std::string& id, uint16_t port) {
  docker::container_summary c;
  c.id = id;
  c.name = "acestream-" + std::to_string(port);
  c.state = "running";
  c.labels = {{"acestream.http_port", "6878"}, {"host.http_port", std::to_string(port)}};
  return c;
}

}  // namespace acepool::testing
