// The API documentation page: Swagger UI (vendored from swagger-ui-dist) renders the OpenAPI document.
// What Swagger UI leaves out for assistive technologies is added as it renders: a name on each parameter's
// list box, and keyboard focus on code samples that scroll.
(function () {
  "use strict";

  function mend(root) {
    root.querySelectorAll("select:not([aria-label])").forEach(function (select) {
      var row = select.closest("tr[data-param-name]");
      var name = row ? row.getAttribute("data-param-name") : select.id || select.className || "value";
      select.setAttribute("aria-label", name);
    });
    root.querySelectorAll("pre:not([tabindex])").forEach(function (pre) {
      pre.setAttribute("tabindex", "0");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("api-docs");
    if (!root || typeof SwaggerUIBundle === "undefined") return;
    SwaggerUIBundle({
      url: root.dataset.openapiUrl,
      domNode: root,
      deepLinking: false, // a deep link inside each operation's button would be a control in a control
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      defaultModelsExpandDepth: 0,
      docExpansion: "list",
      syntaxHighlight: false,
      tryItOutEnabled: false,
      persistAuthorization: false,
    });
    new MutationObserver(function () { mend(root); }).observe(root, { childList: true, subtree: true });
  });
})();
