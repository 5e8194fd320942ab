#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acepool::docker {

/// A host port a container port is published on.
struct port_binding {
  std::string host_ip;  ///< e.g. 127.0.0.1
  uint16_t host_port = 0;
  bool operator==(const port_binding& o) const {
    return host_ip == o.host_ip && host_port == o.host_port;
  }
};

/// `"8080/tcp"` → where it is published.
using port_map = std::map<std::string, std::vector<port_binding>>;

/// Docker's own container health check (Config.Healthcheck).
struct healthcheck_spec {
  std::vector<std::string> test;  ///< e.g. {"CMD", "/acepool-sim", "healthcheck", ...}
  std::chrono::milliseconds interval{30000};
  std::chrono::milliseconds timeout{5000};
  int retries = 3;
  std::chrono::milliseconds start_period{0};
};

/// Everything acepool sets when it creates a container.
struct container_spec {
  std::string name;
  std::string image;
  std::vector<std::string> cmd;
  std::map<std::string, std::string> labels;
  std::vector<std::string> env;             ///< "KEY=VALUE"
  port_map ports;                           ///< published ports (also exposed)
  std::optional<std::string> network_mode;  ///< "container:<name>", a network name, ...
  std::optional<uint64_t> memory_bytes;
  std::optional<int64_t> nano_cpus;  ///< CPU limit in billionths of a CPU
  std::optional<healthcheck_spec> healthcheck;
  std::string restart_policy = "no";  ///< acepool is the supervisor
};

/// One row of GET /containers/json.
struct container_summary {
  std::string id;
  std::string name;  ///< without the leading slash
  std::string image;
  std::string state;    ///< created, running, exited, ...
  std::string status;   ///< human text, e.g. "Up 3 minutes (healthy)"
  int64_t created = 0;  ///< unix seconds
  std::map<std::string, std::string> labels;
  port_map ports;
};

/// GET /containers/{id}/json, the parts acepool uses.
struct container_details {
  std::string id;
  std::string name;  ///< without the leading slash
  std::string image;
  std::string created;  ///< RFC 3339 from Docker
  std::string status;   ///< created, running, exited, ...
  bool running = false;
  int exit_code = 0;
  std::optional<std::string> health;  ///< starting, healthy, unhealthy; none without a healthcheck
  std::string started_at;
  std::map<std::string, std::string> labels;
  port_map ports;  ///< NetworkSettings.Ports (actual bindings)
  std::string network_mode;
  std::vector<std::string> env;
  std::string message;  ///< swarm mode: what Swarm says of its task (e.g. why none is placed)
};

/// GET /version.
struct version_info {
  std::string version;
  std::string api_version;
  std::string min_api_version;
};

/// GET /images/{name}/json, the parts acepool uses.
struct image_info {
  std::string id;
  std::vector<std::string> tags;
};

/// One entry of the /events stream.
struct docker_event {
  std::string type;    ///< container, image, network, ...
  std::string action;  ///< start, die, destroy, health_status: healthy, ...
  std::string id;
  std::map<std::string, std::string> attributes;  ///< labels, name, exitCode, image
  int64_t time_nano = 0;
};

/// A node of the swarm (ORCHESTRATOR=swarm), from GET /nodes.
struct swarm_node {
  std::string id;
  std::string hostname;
  std::string addr;          ///< where its published ports answer
  std::string state;         ///< ready, down, unknown, disconnected
  std::string availability;  ///< active, pause, drain
  std::string role;          ///< manager, worker
  std::map<std::string, std::string> labels;
  /// The node whose daemon DOCKER_HOST names when that is a unix socket: the one acepool runs on.
  bool local = false;

  /// Whether Swarm places new tasks on it.
  bool schedulable() const { return state == "ready" && availability == "active"; }
};

/// Filters of list and events calls: `{"label": ["a=b"], "status": ["running"]}`.
using filters = std::map<std::string, std::vector<std::string>>;

}  // namespace acepool::docker
