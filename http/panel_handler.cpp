#include "http/panel_handler.hpp"

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "http/accept_encoding.hpp"
#include "http/etag.hpp"
#include "web/embedded_assets.hpp"

namespace acepool::http {

namespace {

/// Only the panel's own files run; it may talk to acepool only, play streams into blob: URLs
/// (the preview player's media source) and cannot be framed.
const char* const panel_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// One file of the bundle and its gzip form.
struct bundle_file {
  const web::asset* plain = nullptr;
  const web::asset* gzip = nullptr;
};

/// The page and its files, named by content: a new build is a new name, so caches never serve
/// an old bundle to a new page.
struct panel_files {
  std::map<std::string, bundle_file, std::less<>> by_name;  ///< `main.<hash>.js` → file
  std::string page;
  std::string page_etag;
  web::asset page_file;
};

std::string hashed_name(const std::string& name, const web::asset& file) {
  auto dot = name.rfind('.');
  std::string hash(file.etag.substr(1, file.etag.size() - 2));  // the ETag without quotes
  return name.substr(0, dot) + "." + hash + name.substr(dot);
}

std::shared_ptr<panel_files> load_panel() {
  auto files = std::make_shared<panel_files>();
  const auto* page = web::find_asset("panel/index.html");
  if (page == nullptr) throw std::logic_error("panel/index.html is not built in");
  files->page = std::string(page->bytes);
  // player.js (the preview player, mpegts.js) is loaded by main.js only when a preview starts;
  // licenses.txt is what the page's footer links to.
  for (const std::string name : {"main.js", "main.css", "player.js", "licenses.txt"}) {
    const auto* plain = web::find_asset("panel/" + name);
    if (plain == nullptr) throw std::logic_error("panel/" + name + " is not built in");
    auto url_name = hashed_name(name, *plain);
    files->by_name[url_name] = {plain, web::find_asset("panel/" + name + ".gz")};
    auto placeholder = "{{" + name + "}}";
    auto at = files->page.find(placeholder);
    if (at == std::string::npos) throw std::logic_error("panel/index.html lacks " + placeholder);
    files->page.replace(at, placeholder.size(), "/panel/assets/" + url_name);
  }
  // The page's own ETag covers the names it carries: a browser revalidating the page of an older
  // build gets the new page, never a 304 for names this build no longer serves.
  files->page_etag = web::content_etag(files->page);
  files->page_file = {"panel/index.html", page->content_type, files->page, files->page_etag};
  return files;
}

response page_answer(const call& c, const std::shared_ptr<panel_files>& files) {
  response out;
  out.content_type = std::string(files->page_file.content_type);
  out.shared_body = files->page;
  out.shared_owner = files;
  out.headers = {{"ETag", std::string(files->page_file.etag)},
                 {"Cache-Control", "no-cache"},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Content-Security-Policy", panel_policy},
                 {"Referrer-Policy", "no-referrer"}};
  return not_modified_or(*c.req, files->page_file.etag, std::move(out));
}

response file_answer(const call& c, const bundle_file& file) {
  bool gzip = file.gzip != nullptr && accepts_gzip(c.req->header("Accept-Encoding"));
  const auto& sent = gzip ? *file.gzip : *file.plain;
  response out;
  out.content_type = std::string(file.plain->content_type);
  out.shared_body = sent.bytes;
  out.headers = {{"ETag", std::string(sent.etag)},
                 {"Cache-Control", "public, max-age=31536000, immutable"},
                 {"Vary", "Accept-Encoding"},
                 {"X-Content-Type-Options", "nosniff"}};
  if (gzip) out.headers.emplace_back("Content-Encoding", "gzip");
  return not_modified_or(*c.req, sent.etag, std::move(out));
}

void redirect_to_panel(call& c) {
  c.reply.send(response::redirect(308, "/panel"));
}

route_doc panel_doc(std::string summary) {
  return route_doc("panel", std::move(summary));
}

}  // namespace

void add_panel_routes(router& r) {
  auto files = load_panel();
  for (const char* from : {"/", "/panel/"})
    r.add(method::get, from, access::open,
          panel_doc(std::string(from) == "/" ? "acepool's front page: the panel"
                                             : "The panel, by the address with a slash")
              .returns(308, nullptr, "to /panel")
              .with_header("Location", "`/panel`"),
          redirect_to_panel);
  r.add(method::get, "/panel", access::open,
        panel_doc("The operator's panel: pool, engines, streams, events, actors, live")
            .explain("A page built into the binary; it reads the JSON routes and follows "
                     "/events/live. Actions need the API key, asked once per browser tab.")
            .header("If-None-Match", string_schema(), "ETags of the copy the caller holds")
            .returns(200, string_schema(), "an HTML page", "text/html")
            .with_header("ETag", "a hash of the page")
            .with_header("Content-Security-Policy", "only acepool's own scripts and requests")
            .returns(304, nullptr, "the copy named in If-None-Match is current"),
        [files](call& c) { c.reply.send(page_answer(c, files)); });
  r.add(method::get, "/panel/assets/{file}", access::open,
        panel_doc("A file of the panel, named by its content")
            .path("file", string_schema(),
                  "e.g. `main.0123456789abcdef.js`, as the page names it (`main`, `player`: "
                  "JavaScript; "
                  "`main`: CSS; `licenses`: text)")
            .header("Accept-Encoding", string_schema(), "`gzip` gets the compressed file")
            .header("If-None-Match", string_schema(), "ETags of the copy the caller holds")
            .returns(200, string_schema(), "the file: JavaScript, CSS or text", "*/*")
            .with_header("Cache-Control", "`public, max-age=31536000, immutable`")
            .with_header("Content-Encoding", "`gzip` when the browser accepts it")
            .returns(304, nullptr, "the copy named in If-None-Match is current")
            .returns(404, schema_ref("Error"), "no such file (an older build's name)"),
        [files](call& c) {
          auto found = files->by_name.find(c.param("file"));
          if (found == files->by_name.end()) return c.reply.send(response::error(404, "not found"));
          c.reply.send(file_answer(c, found->second));
        });
}

}  // namespace acepool::http
