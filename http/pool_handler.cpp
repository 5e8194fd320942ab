#include "http/pool_handler.hpp"

#include "actors/messages.hpp"
#include "config/value_parsers.hpp"
#include "http/actor_bridge.hpp"

namespace acepool::http {

void add_pool_routes(router& r, const api_context& ctx) {
  r.add(method::post, "/scale/{n}", access::write,
        route_doc("pool", "Grows or shrinks the pool to n engines")
            .explain("Answers once the provisions it started were admitted.")
            .path("n", {{"type", "integer"}, {"minimum", 0}, {"maximum", 100000}},
                  "the number of engines wanted")
            .returns(200, schema_ref("ScaleResult"), "what was started and stopped"),
        [ctx](call& c) {
          auto n = config::parse_integer(c.param("n"), 0, 100000);
          if (!n || c.param("n").find_first_not_of("0123456789") != std::string::npos)
            return c.reply.send(response::error_detail(
                422, nlohmann::json::array({{{"loc", {"path", "n"}},
                                             {"msg", "value is not a valid non-negative integer"},
                                             {"type", "type_error.integer"}}})));
          ask<actors::scale_result>(
              *ctx.system, ctx.pool_manager, ctx.long_timeout(), c.reply,
              [](actors::scale_result& s) {
                return response::json(200, {{"scaled_to", s.scaled_to},
                                            {"requested", s.requested},
                                            {"started", s.started},
                                            {"stopping", s.stopping}});
              },
              actors::scale_atom::value, static_cast<int>(*n));
        });
  r.add(method::post, "/gc", access::write,
        route_doc("pool", "Removes exited containers and forgets old ended streams")
            .returns(200, schema_ref("GcResult"), "what was removed"),
        [ctx](call& c) {
          ask<actors::gc_result>(
              *ctx.system, ctx.pool_manager, ctx.long_timeout(), c.reply,
              [](actors::gc_result& g) {
                return response::json(200, {{"status", "ok"},
                                            {"removed_engines", g.removed_engines},
                                            {"removed_containers", g.removed_containers},
                                            {"purged_streams", g.purged_streams}});
              },
              actors::gc_atom::value);
        });
}

}  // namespace acepool::http
