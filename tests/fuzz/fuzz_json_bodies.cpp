// Every route's JSON body readers: the generic object parser (depth, numbers, UTF-8), the event
// bodies, the provisioning bodies and the typed member readers. Each input is a request body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/streams/stream_record.hpp"
#include "http/json_body.hpp"
#include "http/provision_request.hpp"
#include "http/stream_json.hpp"
#include "support/text_safety.hpp"

using namespace acepool;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request req;
  req.body.assign(reinterpret_cast<const char*>(data), size);
  auto body = http::parse_json_object(req);
  if (!body.value) {
    if (body.error.status != 422 || !nlohmann::json::accept(body.error.body)) std::abort();
    return 0;
  }
  const auto& j = *body.value;
  (void)support::dump_json(j);
  http::validation_errors errors;
  (void)http::read_string(j, "image", errors);
  (void)http::read_string_map(j, "labels", errors);
  (void)http::read_integer(j, "host_port", 1, 65535, errors);
  (void)errors.to_response();
  (void)http::read_engine_request(j);
  (void)http::read_generic_request(j, std::nullopt);
  (void)http::read_generic_request(j, config::port_range{30000, 30010});
  actors::engine_record engine;
  engine.host = "127.0.0.1";
  engine.port = 19000;
  auto started = [&](const nlohmann::json& item) {
    auto p = http::parse_stream_started(item);
    if (p.event) {
      (void)support::dump_json(nlohmann::json(actors::stream_id_of(*p.event)));
      (void)actors::reachable_url(p.event->stat_url, &engine);
      (void)actors::reachable_url(p.event->command_url, &engine);
    } else {
      (void)support::dump_json(p.loc);
    }
  };
  started(j);
  (void)http::parse_stream_ended(j);
  // /events/batch: {"started": [...], "ended": [...]}
  for (const char* list : {"started", "ended"}) {
    auto it = j.find(list);
    if (it == j.end() || !it->is_array()) continue;
    for (const auto& item : *it) {
      started(item);
      (void)http::parse_stream_ended(item);
    }
  }
  return 0;
}
