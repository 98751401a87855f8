// Starts Swagger UI from local assets (no inline script: the CSP forbids it).
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  window.ui = SwaggerUIBundle({
    url: container.dataset.specUrl,
    dom_id: "#swagger-ui-container",
    validatorUrl: null,
  });
});
