#pragma once

#include <cstdint>
#include <string>

#include "actors/pool/engine_record.hpp"
#include "docker/docker_types.hpp"

namespace acepool::testing {

/// A running managed engine `acestream-<port>` reached at 127.0.0.1:`port`.
actors::engine_record running_engine(const std::string& id, uint16_t port);

/// What Docker lists for such an engine: running, with the labels adoption reads (container
/// HTTP port 6878 published on host port `port`).
docker::container_summary running_engine_container(const std::string& id, uint16_t port);

}  // namespace acepool::testing
