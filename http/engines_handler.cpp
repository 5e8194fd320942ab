#include "http/engines_handler.hpp"

#include <nlohmann/json.hpp>

#include "actors/runtime/published_state.hpp"
#include "config/settings_loader.hpp"
#include "http/engine_json.hpp"
#include "http/status_model.hpp"
#include "http/stream_json.hpp"

namespace acepool::http {

namespace {

std::string etag_of(uint64_t version) {
  return "\"engines-" + std::to_string(version) + "\"";
}

bool etag_matches(std::string_view header, const std::string& etag) {
  if (header == "*") return true;
  size_t start = 0;
  while (start < header.size()) {
    auto end = header.find(',', start);
    auto item =
        header.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return false;
}

}  // namespace

void add_engines_routes(router& r, const api_context& ctx) {
  auto published = ctx.published;
  auto settings = ctx.config;
  r.add(method::get, "/engines", access::read, [published](call& c) {
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
  r.add(method::get, "/engines/health-score", access::read, [published](call& c) {
    c.reply.send(response::json(
        200, health_scores(*published->engines.load(), std::chrono::system_clock::now())));
  });
  r.add(method::get, "/engines/{container_id}", access::read, [published, settings](call& c) {
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
