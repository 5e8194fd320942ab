#include "http/health_handler.hpp"

#include <nlohmann/json.hpp>

#include "actors/actor_directory.hpp"
#include "actors/messages.hpp"
#include "http/actor_bridge.hpp"
#include "support/time_format.hpp"

namespace acepool::http {

namespace {

// Readiness must answer quickly even when an actor is stuck.
constexpr std::chrono::milliseconds ready_probe_timeout{2000};

void ready(const api_context& ctx, call& c) {
  auto entries = ctx.directory->list();
  std::vector<caf::actor> targets;
  for (const auto& e : entries)
    targets.push_back(e.handle);
  auto timeout = std::min(ready_probe_timeout, ctx.request_timeout());
  auto reply = c.reply;
  gather<caf::ok_atom>(
      *ctx.system, std::move(targets), timeout,
      [reply, entries](std::vector<std::optional<caf::ok_atom>> answers) {
        nlohmann::json silent = nlohmann::json::array();
        for (size_t i = 0; i < answers.size(); ++i)
          if (!answers[i]) silent.push_back(entries[i].name);
        bool is_ready = silent.empty();
        reply.send(
            response::json(is_ready ? 200 : 503,
                           {{"ready", is_ready},
                            {"actors", {{"total", entries.size()}, {"not_answering", silent}}},
                            {"timestamp", support::now_rfc3339()}}));
      },
      actors::ping_atom::value);
}

}  // namespace

void add_health_routes(router& r, const api_context& ctx) {
  r.add(method::get, "/health", access::open,
        [](call& c) { c.reply.send(response::raw_json(200, R"({"status":"ok"})")); });
  r.add(method::get, "/health/ready", access::open, [ctx](call& c) { ready(ctx, c); });
}

}  // namespace acepool::http
