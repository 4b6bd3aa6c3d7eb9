"""One place that turns errors into JSON: {"error": {"code", "message", "field"}}, and documents them."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as database_errors
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from ordercenter.domain.errors import DomainError, ErrorCode, InvalidInput
from ordercenter.entrypoints.api.request_models import MAX_ID

log = logging.getLogger(__name__)

# Seconds a client is asked to wait when the database is away (a restart or fail-over takes a few).
DATABASE_RETRY_AFTER_SECONDS = 5

_STATUS = {
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.CURRENCY_MISMATCH: 422,
    ErrorCode.NOT_AUTHENTICATED: 401,
    ErrorCode.CONFLICT: 409,
    ErrorCode.NOT_ALLOWED: 409,
    ErrorCode.SUPPLIER_ERROR: 502,
    ErrorCode.STORE_ERROR: 502,
}


# RFC 9110: a 401 names the scheme that would have worked.
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="Order Center API"'}
INTERNAL_ERROR = "internal_error"


class ErrorDetailPublic(BaseModel):
    code: str = Field(description="A stable error code (`invalid_input`, `not_found`, `not_authenticated`, …)")
    message: str = Field(description="What went wrong, in words a person reads")
    field: str | None = Field(description="The parameter, header or body field at fault, when there is one")
    request_id: str | None = Field(None, description="500 only: the id under which the server log has the details")


class ErrorPublic(BaseModel):
    """Every error the API answers: `{"error": {...}}`."""

    error: ErrorDetailPublic


def error_body(code: ErrorCode | str, message: str, field: str | None = None) -> dict[str, object]:
    return {"error": {"code": str(code), "message": message, "field": field}}


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route takes at this path (Starlette's 405 names only those of the first route that
    matched it), read from the OpenAPI description."""
    paths: dict[str, dict[str, Any]] = app.openapi().get("paths", {})
    if path in paths:  # a fixed path (/mappings/import) wins over a template that would match it
        return sorted(method.upper() for method in paths[path] if method.upper() in _METHODS)
    found: set[str] = set()
    for template, operations in paths.items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), path):
            found |= {method.upper() for method in operations if method.upper() in _METHODS}
    return sorted(found)


def _validation_answer(exc: RequestValidationError) -> tuple[str, str | None]:
    first: dict[str, Any] = dict(exc.errors()[0]) if exc.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":
        return f"the body is not valid JSON: {first.get('msg')}", "body"
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    reason = "is not a field of this request" if first.get("type") == "extra_forbidden" else first.get("msg")
    return (f"{field}: {reason}" if field else str(reason)), field


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        status = _STATUS.get(exc.code, 400)
        if isinstance(exc, InvalidInput) and request.url.path.startswith("/webhooks/"):
            status = 400  # what Shopify expects for a payload we cannot use
        # A webhook's 401 is about its signature, not a token the caller could send.
        headers = BEARER_CHALLENGE if status == 401 and not request.url.path.startswith("/webhooks/") else None
        return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, field = _validation_answer(exc)
        return JSONResponse(error_body(ErrorCode.INVALID_INPUT, message, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: ErrorCode.NOT_AUTHENTICATED, 404: ErrorCode.NOT_FOUND}.get(exc.status_code, "http_error")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request.url.path)) or headers.get("Allow", "")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers or None)

    # -- the database briefly away (H5): 503 + Retry-After, so clients and Shopify's webhooks try again --
    @app.exception_handler(database_errors.OperationalError)
    @app.exception_handler(database_errors.InterfaceError)
    @app.exception_handler(database_errors.TimeoutError)
    async def _database_unavailable(request: Request, exc: Exception) -> Response:
        # Nothing was committed (the unit of work rolled back), so the same request may simply be sent again.
        from ordercenter.entrypoints.web.errors import error_page, is_page_request

        log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                    type(exc).__name__, exc_info=exc)
        headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
        if is_page_request(request):
            answer = error_page(request, 503, "Order Center cannot reach its database right now; nothing was "
                                              "changed. Try again in a moment.")
            answer.headers.update(headers)
            return answer
        return JSONResponse(error_body("database_unavailable", "the database is not answering right now; nothing "
                                       "was changed, try again in a few seconds"), status_code=503, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return unexpected_error_answer(request, exc)


def unexpected_error_answer(request: Request, exc: Exception) -> JSONResponse:
    """The answer to an error nobody expected: a 500 with a request id, never the exception's text (it may
    hold a query, a path or a secret); the log keeps the traceback under the same id."""
    request_id: str = getattr(request.state, "request_id", None) or uuid.uuid4().hex
    log.error("unexpected error on %s %s (request id %s)", request.method, request.url.path, request_id,
              exc_info=exc)
    detail = {"code": INTERNAL_ERROR, "field": None, "request_id": request_id,
              "message": f"Order Center hit an unexpected error; the server log has the details under request id "
                         f"{request_id}"}
    return JSONResponse({"error": detail}, status_code=500, headers={"X-Request-Id": request_id})


# ---------------------------------------------------------------- what the OpenAPI description says

_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorPublic"}
_WRITES = frozenset({"post", "put", "patch", "delete"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_BEARER_HEADER = {"WWW-Authenticate": {"description": "`Bearer`: send `Authorization: Bearer <token>`",
                                       "required": True, "schema": {"type": "string"}}}
# One description per kind of answer; `describe_error_answers` gives each operation the ones it can give.
ERROR_ANSWERS = {
    400: "The body could not be read as the content type it claims",
    401: "No API token, or one unknown or revoked",
    404: "No such row in the token's shop (`error.field` names the id)",
    409: "Not possible in the current state (`error.code` says why); nothing was changed",
    422: "A parameter or body field is invalid, or unknown (`error.field` names it); nothing was changed",
    500: "An unexpected error; `error.request_id` finds it in the server log",
    502: "The supplier or the store did not answer, or refused; nothing was changed here",
    503: "The database is not answering; nothing was changed, try again after `Retry-After` seconds",
}

# The store install and supplier authorization flows read their callbacks' queries themselves, so the
# description cannot see what they refuse: their routers state it with this mapping.
OAUTH_FLOW_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such shop or supplier account (`error.field` names it)"},
    409: {"description": "This server has no such app configured, or the flow cannot go on (`error.code`)"},
    422: {"description": "A query parameter is missing, invalid, expired or not signed (`error.field`)"},
}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The error answers an operation can give, read from what it takes: a token (401), input (422), a row
    named in the path (404); an API change also a row named in the body (404), a state that refuses it (409)
    and a platform that does (502); a body that cannot be parsed (400); 503 while the database
    is away and 500 for anything unforeseen."""
    api_write = method in _WRITES and path.startswith("/api/")
    parameters = operation.get("parameters", [])
    content = set(operation.get("requestBody", {}).get("content", {}))
    statuses = {500, 503}
    if operation.get("security"):
        statuses.add(401)
    if parameters or "application/json" in content or api_write:
        statuses.add(422)
    if api_write or any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if api_write:
        statuses |= {409, 502}
    if content or (method in _WRITES and not api_write):
        statuses.add(400)
    return statuses


def _exact_integer_bounds(node: Any) -> None:
    """Integer bounds back to integers: FastAPI's OpenAPI model keeps them as floats, and 2^63-1 as a float is
    2^63, so the description would allow an id that the API refuses."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for bound in ("minimum", "maximum"):
                if isinstance(node.get(bound), float):
                    node[bound] = MAX_ID if node[bound] >= MAX_ID else int(node[bound])
        for value in node.values():
            _exact_integer_bounds(value)
    elif isinstance(node, list):
        for value in node:
            _exact_integer_bounds(value)


def describe_error_answers(app: FastAPI) -> None:
    """Make /openapi.json tell every error answer with its schema: what an operation states itself is kept
    (given the error schema when it has none), the rest follow `_statuses`; FastAPI's own 422 schema, which
    is not what this API sends, is replaced."""
    generate = app.openapi
    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        schema = generate()
        if described and described[0] is schema:
            return schema
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(ErrorPublic.model_json_schema(ref_template="#/components/schemas/{model}")
                       .pop("$defs", {}))
        schemas["ErrorPublic"] = ErrorPublic.model_json_schema(ref_template="#/components/schemas/{model}")
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                answers = operation.setdefault("responses", {})
                if "HTTPValidationError" in str(answers.get("422", "")):
                    del answers["422"]  # FastAPI's own: this API answers ErrorPublic
                for status in _statuses(path, method, operation):
                    answers.setdefault(str(status), {"description": ERROR_ANSWERS[status]})
                for status, answer in answers.items():
                    if status[0] in "45" and "content" not in answer:
                        answer["content"] = {"application/json": {"schema": _ERROR_SCHEMA}}
                if "401" in answers and operation.get("security"):
                    answers["401"].setdefault("headers", _BEARER_HEADER)
        _exact_integer_bounds(schema)
        described[:] = [schema]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
