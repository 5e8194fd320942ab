// The API explorer of acepool: Swagger UI over the document acepool generates from its route
// table. A separate file, not an inline script, so the page's Content-Security-Policy can forbid
// inline scripts.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Nothing leaves this host: no badge that asks a public validator about the document.
    validatorUrl: null,
    // The key typed into "Authorize" stays in this page; it is never put in a URL.
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
