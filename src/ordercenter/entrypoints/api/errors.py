"""One place that turns errors into JSON: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ordercenter.domain.errors import DomainError, ErrorCode, InvalidInput

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


def error_body(code: ErrorCode | str, message: str, field: str | None = None) -> dict[str, object]:
    return {"error": {"code": str(code), "message": message, "field": field}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        status = _STATUS.get(exc.code, 400)
        if isinstance(exc, InvalidInput) and request.url.path.startswith("/webhooks/"):
            status = 400  # what Shopify expects for a payload we cannot use
        return JSONResponse(error_body(exc.code, exc.message, exc.field), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
        field = ".".join(loc) or None
        message = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
        return JSONResponse(error_body(ErrorCode.INVALID_INPUT, message, field), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: ErrorCode.NOT_AUTHENTICATED, 404: ErrorCode.NOT_FOUND}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))
