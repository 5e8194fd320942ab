// Method, path, query and headers through the router's conventions (matching, 404/405, auth,
// percent-decoding, UTF-8 checks, request ids, CORS): one answer, a JSON body, never a throw.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "http/router.hpp"

using namespace acepool::http;

namespace {

class capture final : public response_sink {
 public:
  void send(response r) override {
    ++answers;
    status = r.status;
    body = std::move(r.body);
  }
  int answers = 0;
  int status = 0;
  std::string body;
};

std::shared_ptr<router> make_router() {
  router_options o;
  o.api_key = "secret";
  o.cors_origins = {"http://a.example"};
  auto r = std::make_shared<router>(o, nullptr);
  auto ok = [](call& c) {
    // What handlers read: every parameter and query value.
    for (const auto& [k, v] : c.params)
      if (v.empty()) std::abort();
    c.reply.send(response::json(200, {{"n", c.query.items().size()}}));
  };
  for (const char* p : {"/health", "/engines", "/engines/{container_id}", "/streams/{id}",
                        "/streams/{id}/stats", "/debug/actors/{name}", "/ace/status"})
    r->add(method::get, p, access::read, {}, ok);
  for (const char* p : {"/provision", "/scale/{n}", "/events/stream_started"})
    r->add(method::post, p, access::write, {}, ok);
  r->add(method::del, "/streams/{id}", access::write, {}, ok);
  r->add_stream("/ace/getstream", access::open, {}, ok);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto routes = make_router();
  std::string in(reinterpret_cast<const char*>(data), size);
  // Fields separated by newlines: method, path, query, authorization, request id, origin.
  std::string fields[6];
  size_t at = 0;
  for (auto& f : fields) {
    auto nl = in.find('\n', at);
    f = in.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  auto req = std::make_shared<request>();
  req->method_text = fields[0];
  req->verb = parse_method(fields[0]);
  req->path = fields[1];
  req->query = fields[2];
  req->headers = {{"Authorization", fields[3]}, {"X-Request-Id", fields[4]}, {"Origin", fields[5]}};
  (void)routes->admits_body(*req);
  (void)routes->streams(req->path);
  auto sink = std::make_shared<capture>();
  routes->dispatch(req, sink);
  if (sink->answers != 1) std::abort();
  if (sink->status != 204 && !nlohmann::json::accept(sink->body)) std::abort();
  return 0;
}
