"""The interactive API reference at /docs, from vendored Swagger UI files: it works offline."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import HTMLResponse

from ordercenter.entrypoints.web.rendering import static_url


def install_docs(app: FastAPI) -> None:
    """Serve /docs from /static/vendor/swagger-ui (the app is built with docs_url=None and redoc_url=None)."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API",
            swagger_js_url=static_url("vendor/swagger-ui/swagger-ui-bundle.js"),
            swagger_css_url=static_url("vendor/swagger-ui/swagger-ui.css"),
            swagger_favicon_url=static_url("vendor/swagger-ui/favicon-32x32.png"),
            # No validator badge: it would fetch an image from the internet.
            swagger_ui_parameters={"validatorUrl": None})
