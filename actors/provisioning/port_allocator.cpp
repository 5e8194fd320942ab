// port_allocator: owns every port pool. A port is free, reserved for an operation, bound to a
// container, or quarantined; only its owner releases it (port_pool), so no port is handed out
// twice or leaked, and a rebuild from Docker never forgets a reservation still in flight.
#include "actors/provisioning/port_allocator.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/provisioning/port_pool.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "config/settings.hpp"
#include "docker/engine_spec.hpp"

namespace acepool::actors {

namespace {

using clock = std::chrono::steady_clock;

struct port_allocator_state {
  static inline const char* name = "port_allocator";
  const config::settings* settings = nullptr;
  host_port_probe probe;
  std::optional<port_pool> host, container_http, container_https, vpn;
  // Generic containers' host ports outside PORT_RANGE_HOST: owner and when it got it.
  std::map<uint16_t, std::pair<std::string, clock::time_point>> external;

  std::vector<port_pool*> pools() {
    std::vector<port_pool*> out;
    for (auto* p : {&host, &container_http, &container_https, &vpn})
      if (*p) out.push_back(&**p);
    return out;
  }

  void release(const std::string& owner) {
    for (auto* p : pools())
      p->release_owner(owner);
    for (auto it = external.begin(); it != external.end();)
      it = it->second.first == owner ? external.erase(it) : std::next(it);
  }

  nlohmann::json summary() const {
    auto now = clock::now();
    nlohmann::json j;
    if (host) j["host_free"] = host->count(port_pool::port_state::free, now);
    if (vpn) j["vpn_free"] = vpn->count(port_pool::port_state::free, now);
    return j;
  }

  nlohmann::json full_state() const {
    auto now = clock::now();
    nlohmann::json j;
    if (host) j["host"] = host->to_json(now);
    if (container_http) j["container_http"] = container_http->to_json(now);
    if (container_https) j["container_https"] = container_https->to_json(now);
    if (vpn) j["vpn"] = vpn->to_json(now);
    auto ext = nlohmann::json::object();
    for (const auto& [port, who] : external)
      ext[std::to_string(port)] = who.first;
    j["external"] = ext;
    return j;
  }

  /// Reserves one port: the given one (invalid_request when impossible) or the next free one
  /// (max_capacity when the range is exhausted).
  std::optional<uint16_t> take(port_pool& pool, const std::string& owner,
                               std::optional<uint16_t> wanted, const char* what, port_grant& grant,
                               bool probe_os) {
    auto now = clock::now();
    const auto& os = probe_os ? probe : host_port_probe{};
    if (wanted) {
      if (pool.reserve_port(*wanted, owner, now, os)) return wanted;
      grant.code = provision_code::invalid_request;
      grant.message = std::string(what) + " " + std::to_string(*wanted) +
                      (pool.contains(*wanted) ? " is already taken" : " is outside its range");
      return std::nullopt;
    }
    if (auto p = pool.reserve(owner, now, os)) return p;
    grant.code = provision_code::max_capacity;
    grant.message = std::string("no free ") + what + " left";
    return std::nullopt;
  }

  port_grant reserve(const std::string& owner, const port_request& req) {
    port_grant g;
    auto fail = [&] {
      release(owner);
      g.ok = false;
      return g;
    };
    if (req.vpn) {
      if (!vpn) return fail();
      auto p = take(*vpn, owner, req.container_http, "port in GLUETUN_PORT_RANGE", g, false);
      if (!p) return fail();
      g.ports.container_http = *p;
    } else if (settings->docker.access == config::engine_access::network) {
      auto p = take(*container_http, owner, req.container_http, "port in ACE_HTTP_RANGE", g, false);
      if (!p) return fail();
      g.ports.container_http = *p;
    } else {
      // Host access: the container listens on the host port it is published on.
      if (req.host_http && req.container_http && *req.host_http != *req.container_http) {
        g.code = provision_code::invalid_request;
        g.message = "host_port and the CONF --http-port differ";
        return fail();
      }
      auto wanted = req.host_http ? req.host_http : req.container_http;
      auto p = take(*host, owner, wanted, "host port in PORT_RANGE_HOST", g, true);
      if (!p) return fail();
      g.ports.container_http = *p;
      g.ports.host_http = *p;
    }
    auto https =
        take(*container_https, owner, req.container_https, "port in ACE_HTTPS_RANGE", g, false);
    if (!https) return fail();
    g.ports.container_https = *https;
    if (req.publish_https && !req.vpn &&
        settings->docker.access != config::engine_access::network) {
      auto p = take(*host, owner, std::nullopt, "host port in PORT_RANGE_HOST", g, true);
      if (!p) return fail();
      g.ports.host_https = *p;
    }
    g.ok = true;
    return g;
  }

  port_grant reserve_host(const std::string& owner, const std::vector<uint16_t>& ports) {
    port_grant g;
    auto now = clock::now();
    for (auto port : ports) {
      bool ok;
      if (host->contains(port)) {
        ok = host->reserve_port(port, owner, now, probe);
      } else {
        ok = !external.count(port) && (!probe || probe(port));
        if (ok) external[port] = {owner, now};
      }
      if (!ok) {
        release(owner);
        g.code = provision_code::invalid_request;
        g.message = "host port " + std::to_string(port) + " is already taken";
        return g;
      }
    }
    g.ok = true;
    return g;
  }

  void bind(const std::string& owner, const std::string& container) {
    for (auto* p : pools())
      for (auto port : p->ports_of(owner))
        p->bind(port, owner, container);
    for (auto& [port, who] : external)
      if (who.first == owner) who = {container, clock::now()};
  }

  void rebuild(const std::vector<docker::container_summary>& running, clock::time_point listed_at) {
    std::map<uint16_t, std::string> host_bound, http_bound, https_bound, vpn_bound;
    std::map<uint16_t, std::string> external_bound;
    auto label_port = [](const docker::container_summary& c,
                         const char* key) -> std::optional<uint16_t> {
      auto it = c.labels.find(key);
      if (it == c.labels.end()) return std::nullopt;
      long v = std::strtol(it->second.c_str(), nullptr, 10);
      if (v < 1 || v > 65535) return std::nullopt;
      return static_cast<uint16_t>(v);
    };
    for (const auto& c : running) {
      for (const auto& [key, bindings] : c.ports)
        for (const auto& b : bindings) {
          if (host->contains(b.host_port))
            host_bound[b.host_port] = c.id;
          else
            external_bound[b.host_port] = c.id;
        }
      if (docker::is_generic(c.labels)) continue;
      if (auto p = label_port(c, docker::label_https_port)) https_bound[*p] = c.id;
      if (auto p = label_port(c, docker::label_http_port)) {
        if (c.labels.count(docker::label_vpn_container))
          vpn_bound[*p] = c.id;
        else if (settings->docker.access == config::engine_access::network)
          http_bound[*p] = c.id;
        else
          host_bound[*p] = c.id;
      }
      for (const char* key : {docker::label_host_http_port, docker::label_host_https_port})
        if (auto p = label_port(c, key)) host_bound[*p] = c.id;
    }
    auto now = clock::now();
    host->rebuild(host_bound, listed_at, now);
    container_http->rebuild(http_bound, listed_at, now);
    container_https->rebuild(https_bound, listed_at, now);
    if (vpn) vpn->rebuild(vpn_bound, listed_at, now);
    // External ports: keep reservations in flight and anything newer than the list.
    for (auto it = external.begin(); it != external.end();) {
      bool keep = it->second.first.rfind("op-", 0) == 0 || it->second.second >= listed_at;
      it = keep ? std::next(it) : external.erase(it);
    }
    for (auto& [port, id] : external_bound)
      if (!external.count(port)) external[port] = {id, now};
  }
};

caf::behavior port_allocator(tracked_actor<port_allocator_state>* self,
                             const config::settings* settings, host_port_probe probe) {
  auto& st = self->state;
  st.settings = settings;
  st.probe = std::move(probe);
  st.host.emplace(settings->docker.port_range_host);
  st.container_http.emplace(settings->docker.ace_http_range);
  st.container_https.emplace(settings->docker.ace_https_range);
  if (settings->vpn.enabled()) st.vpn.emplace(settings->vpn.gluetun_port_range);
  return introspectable(
      self, caf::message_handler{
                [self](reserve_ports_atom, const std::string& owner, const port_request& req) {
                  return self->state.reserve(owner, req);
                },
                [self](reserve_host_ports_atom, const std::string& owner,
                       const std::vector<uint16_t>& ports) {
                  return self->state.reserve_host(owner, ports);
                },
                [self](bind_ports_atom, const std::string& owner, const std::string& container) {
                  self->state.bind(owner, container);
                  return caf::ok_atom::value;
                },
                [self](release_ports_atom, const std::string& owner) {
                  self->state.release(owner);
                  return caf::ok_atom::value;
                },
                [self](quarantine_port_atom, uint16_t port, const std::string& owner) {
                  self->state.host->quarantine(port, owner, clock::now());
                  return caf::ok_atom::value;
                },
                [self](rebuild_ports_atom, const std::vector<docker::container_summary>& running,
                       int64_t listed_at_ns) {
                  self->state.rebuild(running,
                                      clock::time_point(std::chrono::nanoseconds(listed_at_ns)));
                  return caf::ok_atom::value;
                },
            });
}

}  // namespace

host_port_probe bind_probe(std::string address) {
  return [address = std::move(address)](uint16_t port) {
    int fd = socket(address.find(':') == std::string::npos ? AF_INET : AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) return true;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool free = false;
    if (address.find(':') == std::string::npos) {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      inet_pton(AF_INET, address.c_str(), &a.sin_addr);
      free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    } else {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      inet_pton(AF_INET6, address.c_str(), &a.sin6_addr);
      free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    close(fd);
    return free;
  };
}

caf::actor spawn_port_allocator(caf::actor_system& sys, actor_directory& directory,
                                const config::settings& settings, host_port_probe probe) {
  auto a = sys.spawn(port_allocator, &settings, std::move(probe));
  directory.add(a, "port_allocator", "port_allocator");
  return a;
}

}  // namespace acepool::actors
