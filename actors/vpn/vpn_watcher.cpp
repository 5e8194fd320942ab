// vpn_watcher: the Gluetun container and its control server, checked periodically without ever
// blocking (Docker inspect on the quick worker pool, HTTP on the async client), published as one
// vpn_snapshot.
#include "actors/vpn/vpn_watcher.hpp"

#include <cstdio>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "docker/docker_result.hpp"
#include "docker/docker_types.hpp"
#include "support/announce.hpp"
#include "support/async_http_client.hpp"
#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

namespace {

using clock = std::chrono::steady_clock;

/// The control-server answers one check waits for.
enum vpn_answer : int { status_answer = 0, port_answer = 1, ip_answer = 2 };

struct vpn_watcher_state {
  static inline const char* name = "vpn_watcher";
  vpn_watcher_deps deps;
  vpn_snapshot now;
  uint64_t check_no = 0;
  bool checking = false;
  int answers_left = 0;
  bool ever_connected = false;
  std::optional<clock::time_point> port_fetched_at, ip_fetched_at;
  std::optional<clock::time_point> unhealthy_since;
  bool restarted_for_unhealthy = false;
  std::shared_ptr<vpn_snapshot> pending_before;  // the snapshot when the running check began
  uint64_t checks = 0, restarts_requested = 0;

  const config::settings& settings() const { return *deps.settings; }

  nlohmann::json summary() const {
    return {{"checks", checks},
            {"checking", checking},
            {"restarts_requested", restarts_requested},
            {"status", now.status},
            {"connected", now.connected},
            {"health", now.health},
            {"transitions", now.transitions},
            {"container_restarts", now.container_restarts}};
  }
};

using vpn_watcher_actor = tracked_actor<vpn_watcher_state>;

std::vector<std::string> key_header(const vpn_watcher_state& st) {
  if (!st.settings().vpn.gluetun_api_key) return {};
  return {"X-API-Key: " + *st.settings().vpn.gluetun_api_key};
}

/// One question to the control server: `paths` are tried in order while they answer 404.
struct control_request {
  caf::actor me;
  uint64_t check_no = 0;
  int which = 0;
  std::vector<std::string> paths;
  std::string base;
  std::chrono::milliseconds timeout{};
  std::shared_ptr<support::async_http_client> http;
  std::vector<std::string> headers;
};

/// Runs on the HTTP thread for the fallbacks: only queues requests and sends messages.
void ask(const control_request& rq, size_t i) {
  bool queued =
      rq.http->get(rq.base + rq.paths[i], rq.timeout, rq.headers, [rq, i](support::http_result r) {
        if (r.status == 404 && i + 1 < rq.paths.size()) return ask(rq, i + 1);
        caf::anon_send(rq.me, vpn_answer_atom::value, rq.check_no, rq.which, r.status,
                       std::move(r.body));
      });
  if (!queued)
    caf::anon_send(rq.me, vpn_answer_atom::value, rq.check_no, rq.which, 0, std::string());
}

void fetch(vpn_watcher_actor* self, int which, std::vector<std::string> paths) {
  auto& st = self->state;
  control_request rq;
  rq.me = caf::actor_cast<caf::actor>(self);
  rq.check_no = st.check_no;
  rq.which = which;
  auto control = st.now.host_port(st.settings().vpn.gluetun_api_port);
  if (!control) {
    caf::anon_send(rq.me, vpn_answer_atom::value, rq.check_no, which, 0, std::string());
    return;
  }
  rq.paths = std::move(paths);
  rq.base = "http://" + st.settings().docker.engine_host_address + ":" + std::to_string(*control);
  rq.timeout = std::min<std::chrono::milliseconds>(st.settings().vpn.health_check_interval,
                                                   std::chrono::seconds(5));
  rq.http = st.deps.http;
  rq.headers = key_header(st);
  ask(rq, 0);
}

bool due(const std::optional<clock::time_point>& at, std::chrono::milliseconds ttl) {
  return !at || clock::now() - *at >= ttl;
}

void apply_container(vpn_watcher_state& st, const docker::result<docker::container_details>& r) {
  auto& v = st.now;
  v.published.clear();
  if (!r.ok()) {
    v.container_id.reset();
    v.status = r.error().code == docker::docker_errc::not_found ? "not_found" : "unknown";
    v.health = "unknown";
    return;
  }
  const auto& d = *r;
  if (!v.started_at.empty() && (d.started_at != v.started_at || v.container_id != d.id))
    ++v.container_restarts;
  v.container_id = d.id;
  v.status = d.status;
  v.health = d.health.value_or("unknown");
  v.started_at = d.started_at;
  for (const auto& [container, host] : read_published_tcp_ports(d.ports))
    v.published[container] = host;
}

// Swappable on purpose: which query and its HTTP status, straight from one message
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
void on_answer(vpn_watcher_actor* self, int which, int status, const std::string& body) {
  auto& st = self->state;
  auto& v = st.now;
  if (which == status_answer) {
    v.vpn_status = read_vpn_status(status, body);
  } else if (which == port_answer) {
    auto answer = read_forwarded_port(status, body);
    if (!answer) return;
    st.port_fetched_at = clock::now();
    v.forwarded_port = *answer;
  } else if (which == ip_answer) {
    auto ip = read_public_ip(status, body);
    if (!ip) return;
    st.ip_fetched_at = clock::now();
    v.public_ip = ip->ip;
    v.country = ip->country;
  }
}

void restart_if_unhealthy_too_long(vpn_watcher_actor* self) {
  auto& st = self->state;
  auto timeout = st.settings().vpn.unhealthy_restart_timeout;
  if (st.now.connected || st.now.status != "running") {
    st.unhealthy_since.reset();
    st.restarted_for_unhealthy = false;
    return;
  }
  if (!st.unhealthy_since) st.unhealthy_since = clock::now();
  if (timeout.count() <= 0 || st.restarted_for_unhealthy ||
      clock::now() - *st.unhealthy_since < timeout || !st.now.container_id)
    return;
  st.restarted_for_unhealthy = true;
  ++st.restarts_requested;
  announce(&st.deps.published->feed, spdlog::level::warn, "vpn.restarting",
           {{"container", st.now.container_name},
            {"detail", "unhealthy longer than VPN_UNHEALTHY_RESTART_TIMEOUT_S"}});
  self->request(st.deps.quick_pool, std::chrono::seconds(90), docker_restart_atom::value,
                *st.now.container_id, 10)
      .then([](docker::result<docker::done>&) {}, [](caf::error&) {});
}

/// Every answer is in: decide "connected", publish, and report what changed.
void finish_check(vpn_watcher_actor* self, const vpn_snapshot& before) {
  auto& st = self->state;
  auto& v = st.now;
  st.checking = false;
  v.last_check_at = std::chrono::system_clock::now();
  std::optional<std::string> health;
  if (v.health != "unknown") health = v.health;
  v.connected = vpn_connected(v.status, health, v.vpn_status);
  if (v.connected != before.connected) {
    ++v.transitions;
    if (st.deps.metrics != nullptr)
      st.deps.metrics
          ->counter(metrics::vpn_transitions, {{"to", v.connected ? "connected" : "disconnected"}})
          .inc();
    announce(&st.deps.published->feed, v.connected ? spdlog::level::info : spdlog::level::warn,
             v.connected ? "vpn.connected" : "vpn.disconnected",
             {{"container", v.container_name},
              {"status", v.status},
              {"health", v.health},
              {"vpn_status", v.vpn_status}});
    if (v.connected)
      caf::anon_send(st.deps.pool_manager, vpn_reconnected_atom::value, st.ever_connected);
  }
  if (v.connected) st.ever_connected = true;
  if (st.deps.metrics != nullptr)
    st.deps.metrics->gauge(metrics::vpn_connected).set(v.connected ? 1 : 0);
  st.deps.published->vpn.publish(v);
  if (v.container_restarts != before.container_restarts) {
    announce(&st.deps.published->feed, spdlog::level::warn, "vpn.container_restarted",
             {{"container", v.container_name}, {"started_at", v.started_at}});
    caf::anon_send(st.deps.pool_manager, vpn_restarted_atom::value);
  }
  if (v.forwarded_port != before.forwarded_port && v.forwarded_port) {
    announce(&st.deps.published->feed, spdlog::level::info, "vpn.forwarded_port",
             {{"port", *v.forwarded_port},
              {"previous", before.forwarded_port ? nlohmann::json(*before.forwarded_port)
                                                 : nlohmann::json(nullptr)}});
    caf::anon_send(st.deps.pool_manager, vpn_forwarded_atom::value,
                   static_cast<int>(*v.forwarded_port));
  }
  restart_if_unhealthy_too_long(self);
}

void check(vpn_watcher_actor* self) {
  auto& st = self->state;
  if (st.checking) return;
  st.checking = true;
  ++st.checks;
  auto no = ++st.check_no;
  self->request(st.deps.quick_pool, std::chrono::seconds(30), docker_inspect_atom::value,
                st.now.container_name)
      .then(
          [self, no](docker::result<docker::container_details>& r) {
            auto& st = self->state;
            if (no != st.check_no) return;
            auto before = std::make_shared<vpn_snapshot>(st.now);
            apply_container(st, r);
            if (st.now.status != "running") {
              st.now.vpn_status = "unknown";
              return finish_check(self, *before);
            }
            auto ttl = st.settings().vpn.port_cache_ttl;
            std::vector<std::pair<int, std::vector<std::string>>> asks{
                {status_answer, {"/v1/vpn/status", "/v1/openvpn/status"}}};
            if (due(st.port_fetched_at, ttl) || !before->connected)
              asks.push_back({port_answer, {"/v1/portforward", "/v1/openvpn/portforwarded"}});
            if (due(st.ip_fetched_at, ttl)) asks.push_back({ip_answer, {"/v1/publicip/ip"}});
            st.answers_left = static_cast<int>(asks.size());
            st.pending_before = before;  // compared with once every answer is in
            for (auto& [which, paths] : asks)
              fetch(self, which, paths);
          },
          [self, no](caf::error&) {
            auto& st = self->state;
            if (no == st.check_no) st.checking = false;
          });
}

caf::behavior vpn_watcher(vpn_watcher_actor* self, vpn_watcher_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.now.enabled = true;
  st.now.container_name = *st.settings().vpn.gluetun_container_name;
  st.deps.published->vpn.publish(st.now);
  self->send(self, tick_atom::value);
  return introspectable(
      self,
      caf::message_handler{
          [self](tick_atom) {
            check(self);
            self->delayed_send(self, self->state.settings().vpn.health_check_interval,
                               tick_atom::value);
          },
          [self](vpn_answer_atom, uint64_t no, int which, int status, const std::string& body) {
            auto& st = self->state;
            if (no != st.check_no || !st.checking) return;
            on_answer(self, which, status, body);
            if (--st.answers_left > 0) return;
            auto before = std::move(st.pending_before);
            finish_check(self, *before);
          },
      });
}

}  // namespace

caf::actor spawn_vpn_watcher(caf::actor_system& sys, actor_directory& directory,
                             vpn_watcher_deps deps) {
  auto a = sys.spawn(vpn_watcher, std::move(deps));
  directory.add(a, "vpn_watcher", "vpn_watcher");
  return a;
}

}  // namespace acepool::actors
