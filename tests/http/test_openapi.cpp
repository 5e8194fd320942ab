// The OpenAPI document is generated from the route table the router dispatches by: every route
// is an operation with its access rule, parameters and answers, and no route can be left out.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "actors/runtime/published_state.hpp"
#include "config/settings_loader.hpp"
#include "http/api_routes.hpp"
#include "http/openapi.hpp"
#include "support/metrics_registry.hpp"

using namespace acepool;
using namespace acepool::http;
using nlohmann::json;

namespace {

void no_op(call&) {}

std::set<std::pair<std::string, std::string>> operations_of(const json& doc) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [verb, op] : item.items())
      out.insert({verb, path});
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("openapi: every route of acepool's API router is an operation, and nothing else") {
  auto loaded = config::load_settings({}, {});
  REQUIRE(loaded.loaded);
  auto settings = std::make_shared<const config::loaded_settings>(std::move(*loaded.loaded));
  actors::published_state published(settings->values);
  metrics::registry reg;
  api_context ctx;
  ctx.config = settings;
  ctx.metrics = &reg;
  ctx.published = &published;
  router r(make_router_options(ctx), &reg);
  add_api_routes(r, ctx);  // generates the document too: throws if a route is undocumented

  auto doc = openapi_document(r.routes(), "test", {});
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : r.routes())
    served.insert({lower(std::string(method_name(route.verb))), route.pattern});
  CHECK(served.size() == r.routes().size());  // no route registered twice
  CHECK(operations_of(doc) == served);
  CHECK(served.size() >= 33);
  for (const auto& [path, item] : doc["paths"].items())
    for (const auto& [verb, op] : item.items()) {
      INFO(verb << " " << path);
      CHECK_FALSE(op["summary"].get<std::string>().empty());
      CHECK(op["responses"].contains("default"));
    }
}

TEST_CASE("openapi: an operation carries its access rule, parameters and every answer it gives") {
  router r({}, nullptr);
  r.add(method::post, "/things/{id}", access::write,
        route_doc("things", "Changes a thing")
            .path("id", string_schema(), "the thing")
            .query("mode", enum_schema({"a", "b"}), "how")
            .body(schema_ref("Thing"), true)
            .returns(200, schema_ref("Thing"), "changed")
            .returns(403, schema_ref("Refusal"), "not this thing"),
        no_op);
  r.add(method::get, "/health", access::open,
        route_doc("health", "Alive").returns(200, schema_ref("Health"), "yes"), no_op);
  r.add(method::get, "/list", access::read,
        route_doc("things", "Lists").returns(200, string_schema(), "text", "text/plain"), no_op);
  auto doc = openapi_document(r.routes(), "1.2.3", {true, false, false});

  CHECK(doc["openapi"] == "3.1.0");
  CHECK(doc["info"]["version"] == "1.2.3");
  const auto& op = doc["paths"]["/things/{id}"]["post"];
  CHECK(op["operationId"] == "post_things_by_id");
  CHECK(op["x-acepool-access"] == "write");
  CHECK(op["security"] == json::parse(R"([{"bearer":[]},{"apiKey":[]}])"));
  CHECK(op["parameters"].size() == 2);
  CHECK(op["parameters"][0] == json::parse(R"({"name":"id","in":"path","required":true,
        "schema":{"type":"string"},"description":"the thing"})"));
  CHECK(op["parameters"][1]["in"] == "query");
  CHECK(op["parameters"][1]["required"] == false);
  CHECK(op["requestBody"]["required"] == true);
  CHECK(op["requestBody"]["content"]["application/json"]["schema"]["$ref"] ==
        "#/components/schemas/Thing");
  // The router's own answers are there by reference; one the route also gives for its own
  // reason takes either body.
  CHECK(op["responses"]["401"]["$ref"] == "#/components/responses/Unauthorized");
  CHECK(op["responses"]["415"]["$ref"] == "#/components/responses/UnsupportedMediaType");
  CHECK(op["responses"]["422"]["$ref"] == "#/components/responses/ValidationFailed");
  CHECK(op["responses"]["403"]["content"]["application/json"]["schema"]["anyOf"].size() == 2);
  CHECK(op["responses"]["default"]["$ref"] == "#/components/responses/Failure");

  CHECK(op["responses"]["200"]["headers"].contains("X-Request-Id"));

  const auto& health = doc["paths"]["/health"]["get"];
  CHECK(health["security"] == json::array());  // open: no key asked for
  CHECK_FALSE(health["responses"].contains("401"));
  CHECK_FALSE(health["responses"].contains("415"));  // GET routes read no body
  CHECK_FALSE(health.contains("requestBody"));
  const auto& list = doc["paths"]["/list"]["get"];
  CHECK(list["security"] == json::array());  // read: open unless API_KEY_READS
  CHECK(list["responses"]["200"]["content"].contains("text/plain"));
  // The schema table built into the binary.
  CHECK(doc["components"]["schemas"].contains("Engine"));
  CHECK(doc["components"]["schemas"].contains("Error"));
}

TEST_CASE("openapi: security says what the configured acepool asks for") {
  router r({}, nullptr);
  auto doc = [](const char* summary) { return route_doc("t", summary).returns(200, {}, "ok"); };
  r.add(method::post, "/w", access::write, doc("write"), no_op);
  r.add(method::get, "/r", access::read, doc("read"), no_op);
  r.add(method::get, "/m", access::metrics, doc("metrics"), no_op);
  auto key = json::parse(R"([{"bearer":[]},{"apiKey":[]}])");
  auto security = [&](const key_rules& keys) {
    auto d = openapi_document(r.routes(), "v", keys);
    return std::vector<json>{d["paths"]["/w"]["post"]["security"],
                             d["paths"]["/r"]["get"]["security"],
                             d["paths"]["/m"]["get"]["security"]};
  };
  auto none = json::array();
  // Protected mode: no key exists; write routes answer local programs only.
  CHECK(security({false, true, true}) == std::vector<json>{none, none, none});
  CHECK(security({true, false, false}) == std::vector<json>{key, none, none});
  CHECK(security({true, true, true}) == std::vector<json>{key, key, key});
  // A POST route that reads no body still takes the `{}` the orchestrator's clients send.
  auto d = openapi_document(r.routes(), "v", {});
  CHECK(d["paths"]["/w"]["post"]["requestBody"]["required"] == false);
}

TEST_CASE("openapi: a route without a summary, or with undocumented path parameters, is refused") {
  router undocumented({}, nullptr);
  undocumented.add(method::get, "/x", access::open, {}, no_op);
  CHECK_THROWS_AS(openapi_document(undocumented.routes(), "v", {}), std::logic_error);

  router missing_param({}, nullptr);
  missing_param.add(method::get, "/x/{id}", access::open,
                    route_doc("x", "An x").returns(200, string_schema(), "it"), no_op);
  CHECK_THROWS_AS(openapi_document(missing_param.routes(), "v", {}), std::logic_error);
}
