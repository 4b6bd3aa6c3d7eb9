"""The request id (X-Request-Id, taken or made, echoed back) on every log line of a request, and its access line."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ordercenter.adapters.logging_setup import is_secret_name, request_context
from ordercenter.entrypoints.api.metrics import route_template

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's id is kept when it is a plain token (a load balancer's, a client's trace id); anything else
# could forge log lines or bloat them, so it is replaced.
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

log = logging.getLogger("ordercenter.http")
# Probes and scrapes arrive every few seconds: their lines are debug, so the info log shows real traffic.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1").strip()
            if _ACCEPTED_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Binds the request id for the request's log lines, echoes it, and logs one line per answered request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        # request.state.request_id: the catch-all error handler runs outside this middleware, and tells it.
        scope.setdefault("state", {})["request_id"] = request_id
        app_root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status = 500
        logged = False

        def access_line() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            route = route_template(scope, app_root_path)
            # Never the query string (OAuth callbacks carry codes and signatures there), and the route
            # instead of the path when a path parameter is a secret (a signed download link).
            path = route if any(is_secret_name(name) for name in scope.get("path_params") or {}) else scope["path"]
            level = logging.DEBUG if route in _QUIET_ROUTES else logging.INFO
            log.log(level, "%s %s %s", scope["method"], path, status,
                    extra={"method": scope["method"], "path": path, "route": route, "status": status,
                           "duration_ms": round((time.perf_counter() - started) * 1000, 1)})

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                access_line()

        with request_context(request_id, scope):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                access_line()
