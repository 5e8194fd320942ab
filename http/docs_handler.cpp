#include "http/docs_handler.hpp"

#include <memory>
#include <string>

#include "http/etag.hpp"
#include "http/openapi.hpp"
#include "web/embedded_assets.hpp"

namespace acepool::http {

namespace {

/// The explorer runs only its own files: no inline script, nothing from another origin, and no
/// page may frame it (its "Try it out" sends requests with the key typed into it).
const char* const explorer_policy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'";

/// `file` (its bytes valid while `owner` lives: sent without a copy) with a strong ETag,
/// revalidated on every use (the names carry no version), or 304.
response cacheable(const call& c, const web::asset& file,
                   std::shared_ptr<const void> owner = nullptr) {
  response out;
  out.content_type = std::string(file.content_type);
  out.shared_body = file.bytes;
  out.shared_owner = std::move(owner);
  out.headers = {{"ETag", std::string(file.etag)},
                 {"Cache-Control", "no-cache"},
                 {"X-Content-Type-Options", "nosniff"}};
  return not_modified_or(*c.req, file.etag, std::move(out));
}

response asset_answer(const call& c, const web::asset& file) {
  auto out = cacheable(c, file);
  if (file.content_type.rfind("text/html", 0) == 0) {
    out.headers.emplace_back("Content-Security-Policy", explorer_policy);
    out.headers.emplace_back("Referrer-Policy", "no-referrer");
  }
  return out;
}

/// The OpenAPI document, rendered once; `file` views `body` and `etag`.
struct rendered_document {
  std::string body;
  std::string etag;
  web::asset file;
};

route_doc asset_doc(std::string summary) {
  return route_doc("documentation", std::move(summary));
}

}  // namespace

void add_docs_routes(router& r) {
  auto document = std::make_shared<rendered_document>();
  r.add(method::get, "/openapi.json", access::open,
        asset_doc("This document: the OpenAPI 3.1 description of every route")
            .explain("Generated at start from the route table requests are dispatched by.")
            .header("If-None-Match", string_schema(), "ETags of the copy the caller holds")
            .returns(200, {{"type", "object"}}, "the document")
            .with_header("ETag", "a hash of the document")
            .returns(304, nullptr, "the copy named in If-None-Match is current"),
        [document](call& c) { c.reply.send(cacheable(c, document->file, document)); });
  r.add(method::get, "/docs", access::open,
        asset_doc("The API explorer (Swagger UI) over this document")
            .header("If-None-Match", string_schema(), "ETags of the copy the caller holds")
            .returns(200, string_schema(), "an HTML page", "text/html")
            .with_header("ETag", "a hash of the page")
            .with_header("Content-Security-Policy", "only acepool's own scripts, styles, requests")
            .returns(304, nullptr, "the copy named in If-None-Match is current"),
        [](call& c) { c.reply.send(asset_answer(c, *web::find_asset("docs/index.html"))); });
  r.add(method::get, "/docs/{file}", access::open,
        asset_doc("A file of the API explorer")
            .path("file", string_schema(), "e.g. `swagger-ui.css`")
            .header("If-None-Match", string_schema(), "ETags of the copy the caller holds")
            .returns(200, string_schema(), "the file: JavaScript, CSS, PNG or text", "*/*")
            .with_header("ETag", "a hash of the file")
            .returns(304, nullptr, "the copy named in If-None-Match is current")
            .returns(404, schema_ref("Error"), "no such file"),
        [](call& c) {
          const auto* file = web::find_asset("docs/" + c.param("file"));
          if (file == nullptr || c.param("file") == "index.html")
            return c.reply.send(response::error(404, "not found"));
          c.reply.send(asset_answer(c, *file));
        });
  for (const char* from : {"/redoc", "/docs/"})
    r.add(method::get, from, access::open,
          asset_doc(std::string(from) == "/redoc"
                        ? "The orchestrator's second explorer: acepool has one, at /docs"
                        : "The explorer, by the address with a slash")
              .returns(308, nullptr, "to /docs")
              .with_header("Location", "`/docs`"),
          [](call& c) { c.reply.send(response::redirect(308, "/docs")); });
  const auto& o = r.options();
  key_rules keys{o.api_key.has_value(), o.api_key_reads, o.metrics_auth};
  document->body = openapi_document(r.routes(), ACEPOOL_VERSION, keys).dump();
  document->etag = web::content_etag(document->body);
  document->file = {"openapi.json", "application/json; charset=utf-8", document->body,
                    document->etag};
}

}  // namespace acepool::http
