"""The FastAPI application factory: REST API, webhooks, health, and the mounted sandboxes."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.types import ASGIApp

from ordercenter import __version__
from ordercenter.bootstrap import Container
from ordercenter.entrypoints.api.errors import describe_error_answers, error_body, install_error_handlers
from ordercenter.entrypoints.api.metrics import install_metrics
from ordercenter.entrypoints.api.readiness import router as readiness_router
from ordercenter.entrypoints.api.request_context import RequestContextMiddleware
from ordercenter.entrypoints.api.routes import (
    cancellations,
    customer_refunds,
    deadlines,
    mappings,
    messages,
    orders,
    outbox,
    placement,
    privacy,
    returns,
    store_install,
    supplier_auth,
    suppliers,
    webhooks,
)
from ordercenter.entrypoints.api.routes.alerts import router as alerts_router
from ordercenter.entrypoints.api.routes.duplicates import router as duplicates_router
from ordercenter.entrypoints.api.routes.supplier_orders import router as supplier_orders_router
from ordercenter.entrypoints.api.routes.webhook_deliveries import router as webhook_deliveries_router
from ordercenter.entrypoints.api.schemas import HealthPublic
from ordercenter.entrypoints.web import install_web


def create_app(container: Container, mounts: Mapping[str, ASGIApp] | None = None) -> FastAPI:
    """The web application; `mounts` adds other ASGI apps under a path (the demo's sandboxes)."""
    app = FastAPI(
        title="Order Center",
        version=__version__,
        description="Shopify orders in, supplier orders out, and everything after the sale.",
        docs_url=None,  # served by the web pages from vendored files, so it works offline
        redoc_url=None,
    )
    app.state.container = container
    install_error_handlers(app)
    install_metrics(app, container)
    app.add_middleware(RequestContextMiddleware)  # added last, so outermost: its request id is on every line
    app.include_router(readiness_router)

    @app.get("/healthz", response_model=HealthPublic, tags=["health"])
    def healthz() -> HealthPublic | JSONResponse:
        try:
            with container.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001  (any failure means unhealthy)
            return JSONResponse(error_body("unhealthy", f"database unreachable: {exc.__class__.__name__}"),
                                status_code=503)
        return HealthPublic(status="ok", database=container.engine.dialect.name, version=__version__)

    api = APIRouter(prefix="/api/v1")
    api.include_router(orders.router)
    api.include_router(duplicates_router)
    api.include_router(suppliers.router)
    api.include_router(mappings.router)
    api.include_router(placement.router)
    api.include_router(supplier_orders_router)
    api.include_router(alerts_router)
    api.include_router(privacy.router)
    api.include_router(webhook_deliveries_router)
    for after_sale in (cancellations, returns, customer_refunds, messages, deadlines, outbox):
        api.include_router(after_sale.router)
    app.include_router(api)
    app.include_router(webhooks.router)
    app.include_router(store_install.router)
    app.include_router(supplier_auth.router)
    install_web(app)  # the pages, /static/, /docs and the HTML error pages
    describe_error_answers(app)  # once every route is there, so a new one is described without a list
    for path, mounted in (mounts or {}).items():
        app.mount(path, mounted)
    return app
