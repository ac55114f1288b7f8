// The API documentation page: Swagger UI (vendored from swagger-ui-dist) renders the OpenAPI document.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("api-docs");
    if (!root || typeof SwaggerUIBundle === "undefined") return;
    SwaggerUIBundle({
      url: root.dataset.openapiUrl,
      domNode: root,
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      defaultModelsExpandDepth: 0,
      docExpansion: "list",
      syntaxHighlight: false,
      tryItOutEnabled: false,
      persistAuthorization: false,
    });
  });
})();
