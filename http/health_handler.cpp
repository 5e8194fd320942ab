#include "http/health_handler.hpp"

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/published_state.hpp"
#include "http/actor_bridge.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

namespace {

// Readiness must answer quickly even when an actor or Docker is stuck.
constexpr std::chrono::milliseconds ready_probe_timeout{2000};

/// What readiness found out about Docker.
struct docker_reachability {
  bool ok = false;
  std::string detail;
};

void answer_ready(const api_context& ctx, const responder& reply, std::chrono::milliseconds timeout,
                  const docker_reachability& docker) {
  auto entries = ctx.directory->list();
  auto missing = ctx.directory->missing_required();
  std::vector<caf::actor> targets;
  targets.reserve(entries.size());
  for (const auto& e : entries)
    targets.push_back(e.handle);
  gather<caf::ok_atom>(
      *ctx.system, targets, timeout,
      [reply, entries, missing, docker, directory = ctx.directory,
       published = ctx.published](const std::vector<gathered<caf::ok_atom>>& answers) {
        // A worker inside a blocking Docker call (a pull can take minutes) cannot answer until
        // the call returns, and every such call has a deadline: it is busy, not stuck.
        nlohmann::json silent = nlohmann::json::array();
        nlohmann::json busy = nlohmann::json::array();
        for (size_t i = 0; i < answers.size(); ++i) {
          if (answers[i]) continue;
          // An actor that ended meanwhile (a relay whose last client left) is not silent: CAF
          // bounced the request, or it already left the directory.
          if (answers[i].ended) continue;
          auto now = directory->find(entries[i].name);
          if (!now || now->handle != entries[i].handle) continue;
          if (entries[i].vitals && entries[i].vitals->blocking_since_ms.load() != 0)
            busy.push_back(entries[i].name);
          else
            silent.push_back(entries[i].name);
        }
        // A required actor that is gone never comes back in this process: acepool is then
        // shutting down to be restarted (docs/operations.md).
        bool is_ready = silent.empty() && missing.empty() && docker.ok;
        nlohmann::json body{{"ready", is_ready},
                            {"docker", docker.ok ? "ok" : "unreachable"},
                            {"actors",
                             {{"total", entries.size()},
                              {"not_answering", silent},
                              {"busy", busy},
                              {"missing", missing}}},
                            {"timestamp", support::now_rfc3339()}};
        if (published != nullptr) {
          auto engines = published->engines.load();
          int running = 0, streams = 0;
          for (const auto& e : engines->engines) {
            if (e.state == actors::engine_state::stopping) continue;
            ++running;
            streams += static_cast<int>(e.streams.size());
          }
          body["engines"] = running;
          body["active_streams"] = streams;
          body["circuit_state"] = actors::to_string(
              published->general_breaker.load()->current(std::chrono::steady_clock::now()));
        }
        if (!docker.ok) body["docker_detail"] = docker.detail;
        reply.send(response::json(is_ready ? 200 : 503, body));
      },
      actors::ping_atom::value);
}

// Ready = Docker answers a ping and every registered actor answers, each within a short deadline.
void ready(const api_context& ctx, call& c) {
  auto timeout = std::min(ready_probe_timeout, ctx.request_timeout());
  auto reply = c.reply;
  if (!ctx.docker_quick) return answer_ready(ctx, reply, timeout, {false, "no docker workers"});
  ctx.system->spawn([ctx, reply, timeout](caf::event_based_actor* self) {
    self->request(ctx.docker_quick, timeout, actors::docker_ping_atom::value)
        .then(
            [ctx, reply, timeout](docker::result<docker::done>& r) {
              answer_ready(ctx, reply, timeout, {r.ok(), r.ok() ? "" : r.error().message});
            },
            [ctx, reply, timeout](caf::error&) {
              answer_ready(ctx, reply, timeout,
                           {false, "the docker workers did not answer in time"});
            });
  });
}

}  // namespace

void add_health_routes(router& r, const api_context& ctx) {
  r.add(method::get, "/health", access::open,
        route_doc("health", "Liveness: answers while the process serves")
            .returns(200, schema_ref("Health"), "serving"),
        [](call& c) { c.reply.send(response::raw_json(200, R"({"status":"ok"})")); });
  r.add(method::get, "/health/ready", access::open,
        route_doc("health", "Readiness: Docker answers a ping and every actor answers")
            .explain("Each within min(2 s, API_REQUEST_TIMEOUT_S). A Docker worker inside a "
                     "blocking Docker call is listed in `busy` and does not make acepool unready.")
            .returns(200, schema_ref("Readiness"), "ready")
            .returns(503, schema_ref("Readiness"), "not ready: the document says why"),
        [ctx](call& c) { ready(ctx, c); });
}

}  // namespace acepool::http
