#include "http/engine_json.hpp"

#include "docker/swarm_json.hpp"
#include "support/text_safety.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

namespace {

nlohmann::json label_or_null(const actors::engine_record& e, const char* name) {
  auto it = e.labels.find(name);
  return it == e.labels.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
}

}  // namespace

nlohmann::json engine_json(const actors::engine_record& e,
                           const std::optional<std::string>& advertise_host) {
  return {{"container_id", e.container_id},
          {"container_name", e.container_name},
          {"host", advertise_host.value_or(e.host)},
          {"port", e.port},
          {"labels", e.labels},
          {"first_seen", support::format_rfc3339(e.first_seen)},
          {"last_seen", support::format_rfc3339(e.last_seen)},
          {"streams", e.streams},
          {"health_status", actors::to_string(e.health)},
          {"last_health_check", support::rfc3339_or_null(e.last_health_check)},
          {"last_stream_usage", support::rfc3339_or_null(e.last_stream_usage)},
          {"last_cache_cleanup", nullptr},
          {"cache_size_bytes", nullptr},
          {"forwarded", e.forwarded},
          {"forwarded_port",
           e.forwarded_port ? nlohmann::json(*e.forwarded_port) : nlohmann::json(nullptr)},
          {"vpn_container",
           e.vpn_container ? nlohmann::json(*e.vpn_container) : nlohmann::json(nullptr)},
          {"image", e.image},
          {"state", actors::to_string(e.state)},
          // Swarm mode: the node its task runs on (null otherwise).
          {"node", label_or_null(e, docker::label_swarm_node)},
          {"node_addr", label_or_null(e, docker::label_swarm_node_addr)}};
}

const std::string& engines_body(const actors::engines_snapshot& snapshot) {
  return snapshot.body.get([&] {
    auto list = nlohmann::json::array();
    for (const auto& e : snapshot.engines)
      list.push_back(engine_json(e, snapshot.advertise_host));
    return support::dump_json(list);
  });
}

}  // namespace acepool::http
