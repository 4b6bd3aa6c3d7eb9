"""GET /metrics (Prometheus text), and the ASGI middleware that counts and times every HTTP request."""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Mapping
from typing import Any

import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.routing import Mount, replace_params
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordercenter.adapters.metrics import RequestMetrics, build_registry
from ordercenter.bootstrap import Container
from ordercenter.domain.errors import ErrorCode
from ordercenter.entrypoints.api.errors import error_body

# Anything else a client invents is counted as "other": a label value per made-up method would be a series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"

router = APIRouter(tags=["operations"])


def route_template(scope: Mapping[str, Any], app_root_path: str = "") -> str:
    """The route a request was routed to, as declared (`/api/v1/orders/{order_id}`), never the raw path.

    Read after the app ran: Starlette's router records the matched route in the scope. The route knows
    its path only below the routers that include it (FastAPI keeps included routers nested), so their
    prefix is what the request path holds before the route's own part. A mount (the sandboxes,
    /static) has moved its prefix into `root_path`, which was `app_root_path` on the way in.
    """
    route = scope.get("route")
    root_path = str(scope.get("root_path", ""))
    mount_prefix = root_path.removeprefix(app_root_path)
    path_format = getattr(route, "path_format", None)
    convertors = getattr(route, "param_convertors", None)
    if isinstance(route, Mount) or (route is None and mount_prefix):  # FastAPI may not record a mount
        return mount_prefix + "/{path}"
    if not isinstance(path_format, str) or not isinstance(convertors, dict):
        return UNMATCHED_ROUTE
    path_params = dict(scope.get("path_params") or {})
    try:
        own_part, outer_params = replace_params(path_format, convertors, dict(path_params))
    except (KeyError, ValueError, AssertionError):
        return mount_prefix + path_format
    path = str(scope.get("path", ""))
    below_mount = path.removeprefix(root_path) if path.startswith(root_path) else path
    router_prefix = below_mount.removesuffix(own_part) if below_mount.endswith(own_part) else ""
    for name, raw in outer_params.items():  # a parameter in a router's prefix: named, not its value
        router_prefix = router_prefix.replace(f"/{raw}", "/{" + name + "}", 1)
    return mount_prefix + router_prefix + path_format


class RequestMetricsMiddleware:
    """Counts requests by method, route template and status, and times them to the end of the answer."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        app_root_path = str(scope.get("root_path", ""))
        status = 500  # what the client gets when the app raises before answering
        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                method = scope["method"] if scope["method"] in _METHODS else "other"
                self.metrics.observe(method=method, route=route_template(scope, app_root_path), status=status,
                                     seconds=time.perf_counter() - started)

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)
            # The answer is complete here; background tasks that run after it are not the client's wait.
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                record()

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            record()


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                             "description": "Prometheus text exposition format"},
                       401: {"description": "ORDERCENTER_METRICS_TOKEN is set and the bearer token is not it"}})
def metrics(request: Request) -> Response:
    token: str | None = request.app.state.container.settings.metrics_token
    if token:
        sent = request.headers.get("authorization", "")
        scheme, _, credentials = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(credentials.strip().encode(), token.encode()):
            return JSONResponse(error_body(ErrorCode.NOT_AUTHENTICATED, "send the metrics token as "
                                           "'Authorization: Bearer <ORDERCENTER_METRICS_TOKEN>'", "Authorization"),
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def install_metrics(app: FastAPI, container: Container) -> None:
    """The app's own registry (see adapters/metrics.py), the request middleware and GET /metrics."""
    registry, requests = build_registry(container.engine, container.clock)
    app.state.metrics_registry = registry
    app.add_middleware(RequestMetricsMiddleware, metrics=requests)
    app.include_router(router)


def serve_metrics_in_thread(container: Container, host: str, port: int) -> uvicorn.Server:
    """GET /metrics alone, for a worker process (it has no web server, but makes the supplier calls and
    applies the webhooks that the metrics count); runs until the process ends or `should_exit` is set."""
    app = FastAPI(title="Order Center worker metrics", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    install_metrics(app, container)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False,
                                           lifespan="off"))
    threading.Thread(target=server.run, name="ordercenter-metrics", daemon=True).start()
    return server
