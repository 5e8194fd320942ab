#include "http/engines_handler.hpp"

#include <nlohmann/json.hpp>

#include "actors/runtime/published_state.hpp"
#include "config/settings_loader.hpp"
#include "http/engine_json.hpp"
#include "http/etag.hpp"
#include "http/status_model.hpp"
#include "http/stream_json.hpp"

namespace acepool::http {

namespace {

std::string etag_of(uint64_t version) {
  return "\"engines-" + std::to_string(version) + "\"";
}

}  // namespace

void add_engines_routes(router& r, const api_context& ctx) {
  auto published = ctx.published;
  auto settings = ctx.config;
  r.add(method::get, "/engines", access::read,
        route_doc("engines", "Every engine, sorted by port")
            .explain("From the registry's published snapshot. `ETag` changes with every registry "
                     "change; `If-None-Match` with the current one answers 304.")
            .header("If-None-Match", string_schema(), "ETags of the copy the caller holds")
            .returns(200, list_of("Engine"), "the engines")
            .with_header("ETag", "`\"engines-<version>\"`, new on every registry change")
            .returns(304, nullptr, "unchanged since the ETag in If-None-Match")
            .with_header("ETag", "the current version"),
        [published](call& c) {
          auto snap = published->engines.load();
          auto etag = etag_of(snap->version);
          auto inm = c.req->header("If-None-Match");
          response out;
          if (inm && etag_matches(*inm, etag)) {
            out.status = 304;
            out.content_type.clear();
          } else {
            out.body = engines_body(*snap);
          }
          out.headers = {{"ETag", etag}, {"Cache-Control", "max-age=1"}};
          c.reply.send(std::move(out));
        });
  r.add(
      method::get, "/engines/health-score", access::read,
      route_doc("engines", "Engines scored for a new stream, best first")
          .explain("100, −20 per stream (at most −60), −50 unhealthy, −25 unknown, +10 if used in "
                   "the last 5 minutes, within [0, 100]; ties in port order.")
          .returns(200, list_of("HealthScore"), "the scores"),
      [published](call& c) {
        c.reply.send(response::json(
            200, health_scores(*published->engines.load(), std::chrono::system_clock::now())));
      });
  r.add(method::get, "/engines/{container_id}", access::read,
        route_doc("engines", "One engine with its active streams")
            .path("container_id", string_schema(),
                  "full id, container name or a unique prefix of at least 12 characters")
            .returns(200, schema_ref("EngineWithStreams"), "the engine")
            .returns(404, schema_ref("Error"), "no such engine"),
        [published, settings](call& c) {
          auto snap = published->engines.load();
          const auto& key = c.param("container_id");
          const actors::engine_record* found = nullptr;
          int matches = 0;
          for (const auto& e : snap->engines) {
            if (e.container_id == key || e.container_name == key) {
              found = &e;
              matches = 1;
              break;
            }
            if (actors::engine_matches(e, key)) {
              found = &e;
              ++matches;
            }
          }
          if (found == nullptr || matches != 1)
            return c.reply.send(response::error(404, "engine not found"));
          auto streams = nlohmann::json::array();
          for (const auto& s : published->streams.load()->active)
            if (s->container_id == found->container_id) streams.push_back(stream_json(*s));
          c.reply.send(response::json(
              200, {{"engine", engine_json(*found, settings->values.docker.engine_advertise_host)},
                    {"streams", streams}}));
        });
}

}  // namespace acepool::http
