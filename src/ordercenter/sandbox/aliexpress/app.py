"""The sandbox AliExpress platform as an ASGI app, at the platform's own paths.

Mount it anywhere (the main server uses `/sandbox/aliexpress`); routes are relative to the mount:
`/sync` (business APIs), `/rest/auth/token/create|refresh` (system APIs), `/oauth/authorize`, and the
operator controls under `/_operator/` (behind the config's `operator_token` when it has one). Every API
call is checked like the platform does: app key, sign method, timestamp window, signature, then (business
APIs) the access token and call limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from ordercenter.sandbox.aliexpress import api, wire
from ordercenter.sandbox.aliexpress.config import SandboxConfig
from ordercenter.sandbox.aliexpress.faults import FaultKind
from ordercenter.sandbox.aliexpress.operator import operator_routes
from ordercenter.sandbox.aliexpress.records import SandboxApiError
from ordercenter.sandbox.aliexpress.signature import signature_matches
from ordercenter.sandbox.aliexpress.supplier import SandboxSupplier
from ordercenter.sandbox.operator_access import OperatorGuard

SYSTEM_PATHS = frozenset({"/auth/token/create", "/auth/token/refresh"})


def _wall() -> datetime:
    return datetime.now(UTC)


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        form = await request.form()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


def _check_request(supplier: SandboxSupplier, params: dict[str, str], wall: Callable[[], datetime],
                   api_path: str | None = None) -> None:
    """Raise the platform's error for a request that is not properly signed by a known app."""
    config = supplier.config
    if params.get("app_key") != config.app_key:
        raise SandboxApiError("InvalidAppKey", "The specified app key is invalid or does not exist")
    if params.get("sign_method", "").lower() != "sha256":
        raise SandboxApiError("InvalidSignMethod", "sign_method must be sha256")
    stamp = params.get("timestamp", "")
    if not stamp.isdigit():
        raise SandboxApiError("InvalidTimestamp", "Invalid timestamp: epoch milliseconds expected")
    sent = datetime.fromtimestamp(int(stamp) / 1000, tz=UTC)
    if abs(wall() - sent) > config.timestamp_window:
        raise SandboxApiError("InvalidTimestamp", "Invalid timestamp: the request has expired or is from the future")
    if not params.get("sign") or not signature_matches(params, config.app_secret, api_path):
        raise SandboxApiError("IncompleteSignature", "The request signature does not conform to platform standards")


def create_sandbox_supplier(config: SandboxConfig | None = None, *, supplier: SandboxSupplier | None = None,
                            wall_clock: Callable[[], datetime] = _wall) -> Starlette:
    """The ASGI app; its state is `app.state.supplier` (a `SandboxSupplier`), credentials from
    `app.state.supplier.credentials()`. `wall_clock` is the real time the timestamp window is checked
    against (the sandbox's business clock is separate and may be advanced)."""
    state = supplier or SandboxSupplier(config)

    async def sync(request: Request) -> Response:
        params = await _params(request)
        method = params.get("method", "")
        try:
            _check_request(state, params, wall_clock)
            state.tokens.check_access(params.get("access_token") or params.get("session"))
        except SandboxApiError as error:
            return JSONResponse(wire.error_response(error.code, error.message))
        if state.faults.over_limit(state.config.app_key, state.config.calls_per_second):
            return _call_limit()
        fault = state.faults.take(method)
        if fault is not None and fault.kind is FaultKind.SERVER_ERROR:
            return HTMLResponse("<html><body><h1>502 Bad Gateway</h1></body></html>", status_code=502)
        if fault is not None and fault.kind is FaultKind.RATE_LIMIT:
            return _call_limit()
        if fault is not None and fault.kind is FaultKind.SLOW:
            await asyncio.sleep(fault.delay)
        body = api.answer(state, method, params)  # committed here, before any held-back answer
        if fault is not None and fault.kind is FaultKind.TIMEOUT_AFTER_COMMIT:
            await asyncio.sleep(fault.delay)
        return JSONResponse(body)

    async def rest(request: Request) -> Response:
        api_path = "/" + request.path_params["path"].strip("/")
        params = await _params(request)
        if api_path not in SYSTEM_PATHS:
            return JSONResponse(wire.system_error("InvalidApiPath", "The specified API path is invalid"))
        try:
            _check_request(state, params, wall_clock, api_path)
            body: dict[str, Any]
            if api_path == "/auth/token/create":
                body = state.tokens.exchange(params.get("code", ""))
            else:
                body = state.tokens.refresh(params.get("refresh_token", ""))
        except SandboxApiError as error:
            return JSONResponse(wire.system_error(error.code, error.message))
        return JSONResponse({**body, "request_id": wire.request_id()})

    async def authorize(request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != state.config.app_key:
            return JSONResponse({"error": "invalid_client", "error_description": "unknown client_id"}, 400)
        if query.get("response_type") != "code" or not query.get("redirect_uri"):
            return JSONResponse({"error": "invalid_request",
                                 "error_description": "response_type=code and redirect_uri are required"}, 400)
        # The sandbox's demo DS account consents at once: straight back to the callback with a code.
        extra = {"code": state.tokens.issue_code()}
        if query.get("state"):
            extra["state"] = query["state"]
        parts = urlsplit(query["redirect_uri"])
        joined = f"{parts.query}&{urlencode(extra)}" if parts.query else urlencode(extra)
        return RedirectResponse(urlunsplit(parts._replace(query=joined)), status_code=302)

    app = Starlette(routes=[
        Route("/sync", sync, methods=["GET", "POST"]),
        Route("/rest/{path:path}", rest, methods=["GET", "POST"]),
        Route("/oauth/authorize", authorize, methods=["GET"]),
        Mount("/_operator", routes=operator_routes(state)),
    ], middleware=[Middleware(OperatorGuard, token=state.config.operator_token)])
    app.state.supplier = state
    return app


def _call_limit() -> JSONResponse:
    return JSONResponse(wire.error_response("ApiCallLimit", "The request has exceeded the api call frequency limit",
                                            error_type="ISP"))

