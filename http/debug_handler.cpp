#include "http/debug_handler.hpp"

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "config/config_reference.hpp"
#include "http/actor_bridge.hpp"

namespace acepool::http {

namespace {

// An entry for an actor that did not answer: what its counters last said.
nlohmann::json silent_entry(const actors::directory_entry& e) {
  nlohmann::json out{{"id", e.handle ? e.handle.id() : 0}, {"mailbox", e.vitals->mailbox.load()}};
  out.update(actors::vitals_json(*e.vitals));
  out["state_summary"] = nullptr;
  return out;
}

void list_actors(const api_context& ctx, call& c) {
  auto entries = ctx.directory->list();
  std::vector<caf::actor> targets;
  targets.reserve(entries.size());
  for (const auto& e : entries)
    targets.push_back(e.handle);
  auto reply = c.reply;
  gather<std::string>(
      *ctx.system, targets, ctx.request_timeout(),
      [reply, entries](const std::vector<gathered<std::string>>& answers) {
        auto out = nlohmann::json::array();
        for (size_t i = 0; i < entries.size(); ++i) {
          nlohmann::json item;
          bool answered = false;
          if (answers[i]) {
            item = nlohmann::json::parse(*answers[i].reply, nullptr, false);
            answered = item.is_object();
          }
          if (!answered) {
            // An actor that ended meanwhile (a relay whose last client left) is not listed, as
            // it would not be a moment later; "responding": false is for the living.
            if (answers[i].ended) continue;
            item = silent_entry(entries[i]);
          }
          nlohmann::json entry{{"name", entries[i].name}, {"kind", entries[i].kind}};
          entry.update(item);
          entry["responding"] = answered;
          out.push_back(std::move(entry));
        }
        reply.send(response::json(200, out));
      },
      actors::get_stats_atom::value);
}

void actor_state(const api_context& ctx, call& c) {
  auto entry = ctx.directory->find(c.param("name"));
  if (!entry) {
    c.reply.send(response::error(404, "actor not found"));
    return;
  }
  ask<std::string>(
      *ctx.system, entry->handle, ctx.request_timeout(), c.reply,
      [name = entry->name, kind = entry->kind](std::string& state) {
        nlohmann::json body{{"name", name}, {"kind", kind}};
        body["state"] = nlohmann::json::parse(state, nullptr, false);
        return response::json(200, body);
      },
      actors::get_state_atom::value);
}

}  // namespace

void add_debug_routes(router& r, const api_context& ctx) {
  r.add(method::get, "/debug/actors", access::write,
        route_doc("debug", "Every actor: mailbox, messages processed, whether it answers")
            .returns(200, list_of("ActorEntry"), "sorted by name"),
        [ctx](call& c) { list_actors(ctx, c); });
  r.add(method::get, "/debug/actors/{name}", access::write,
        route_doc("debug", "One actor's full state")
            .path("name", string_schema(), "as listed by /debug/actors")
            .returns(200, schema_ref("ActorDetail"), "its state")
            .returns(404, schema_ref("Error"), "no actor of that name"),
        [ctx](call& c) { actor_state(ctx, c); });
  r.add(method::get, "/debug/config", access::write,
        route_doc("debug", "The settings in effect, where each came from; secrets redacted")
            .returns(200, schema_ref("ConfigReport"), "every setting"),
        [ctx](call& c) { c.reply.send(response::json(200, config::effective_json(*ctx.config))); });
}

}  // namespace acepool::http
