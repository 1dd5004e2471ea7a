"""``/docs``: Swagger UI for the API, every asset served by the service itself.

The scripts and styles come from the ``flask-openapi3-swagger`` package (it
bundles swagger-ui), so the page works without internet access. A
Content-Security-Policy allows only this origin, so a browser would refuse to
load anything from elsewhere even if a future swagger-ui tried.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, send_from_directory

ASSETS = ("css/swagger-ui.css", "js/swagger-ui-bundle.js", "js/swagger-ui-standalone-preset.js",
          "images/swagger.svg")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>zen service API</title>
  <link rel="icon" href="/docs/assets/images/swagger.svg">
  <link rel="stylesheet" href="/docs/assets/css/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/js/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/js/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/assets/init.js"></script>
</body>
</html>
"""

# NOTE: validatorUrl null: swagger-ui would otherwise send the spec to validator.swagger.io.
INIT_SCRIPT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout",
    persistAuthorization: false
  });
});
"""


def assets_folder() -> Path:
    import flask_openapi3_swagger

    return Path(flask_openapi3_swagger.__file__).parent / "templates" / "swagger"


def register_docs(app: Any) -> None:
    folder = assets_folder()

    def _secure(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    def docs() -> Response:
        return _secure(Response(PAGE, mimetype="text/html"))

    def docs_asset(filename: str) -> Response:
        if filename == "init.js":
            return _secure(Response(INIT_SCRIPT, mimetype="text/javascript"))
        if filename not in ASSETS:
            from werkzeug.exceptions import NotFound

            raise NotFound()
        return _secure(send_from_directory(folder, filename, max_age=3600))

    app.add_url_rule("/docs", "docs", docs, methods=["GET"])
    app.add_url_rule("/docs/assets/<path:filename>", "docs_asset", docs_asset, methods=["GET"])
