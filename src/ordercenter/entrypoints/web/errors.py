"""Errors on pages are pages: a person never sees JSON or a bare 500.

The API's JSON handlers stay in charge of the API, the webhooks and the other machine-facing paths;
for everything else these handlers answer with the error page (or, for sign-in, a redirect).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from ordercenter.domain.errors import DomainError, ErrorCode
from ordercenter.entrypoints.web.csrf import CsrfRefused
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import OwnerOnly, SignInRequired

log = logging.getLogger(__name__)

_MACHINE_PATHS = ("/api/", "/webhooks/", "/sandbox/", "/shopify/", "/aliexpress/", "/static/", "/healthz",
                  "/openapi.json")
_STATUS = {ErrorCode.NOT_FOUND: 404, ErrorCode.NOT_AUTHENTICATED: 401, ErrorCode.INVALID_INPUT: 422,
           ErrorCode.CONFLICT: 409, ErrorCode.NOT_ALLOWED: 409, ErrorCode.INVALID_TRANSITION: 409,
           ErrorCode.CURRENCY_MISMATCH: 422, ErrorCode.SUPPLIER_ERROR: 502, ErrorCode.STORE_ERROR: 502}
_TITLES = {404: "Not found", 403: "Not allowed", 401: "Sign in", 409: "That cannot be done now",
           422: "Check what was entered", 502: "The platform did not answer", 500: "Something went wrong",
           405: "Not available"}

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_page_request(request: Request) -> bool:
    return not request.url.path.startswith(_MACHINE_PATHS)


def error_page(request: Request, status: int, message: str) -> Response:
    try:
        return page(request, "error.html", {"title": _TITLES.get(status, "Error"), "status": status,
                                            "message": message}, status_code=status)
    except Exception:  # the error page itself failed (a broken template): still no bare 500
        log.exception("the error page could not be rendered")
        return PlainTextResponse(f"{_TITLES.get(status, 'Error')}: {message}", status_code=status)


def _sign_in_redirect(request: Request, exc: SignInRequired) -> Response:
    url = "/?next=" + quote(exc.next_path, safe="/")
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _call(handler: Handler, request: Request, exc: Exception) -> Response:
    answer = handler(request, exc)
    return await answer if inspect.isawaitable(answer) else answer


def install_page_errors(app: FastAPI) -> None:
    """Answer page requests with pages; hand every other request to the handler the API installed."""
    api_domain: Handler | None = app.exception_handlers.get(DomainError)
    api_http: Handler | None = app.exception_handlers.get(StarletteHTTPException)
    api_validation: Handler | None = app.exception_handlers.get(RequestValidationError)
    api_unexpected: Handler | None = app.exception_handlers.get(Exception)

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        if not is_page_request(request) and api_domain is not None:
            return await _call(api_domain, request, exc)
        return error_page(request, _STATUS.get(exc.code, 400), exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_page_request(request) and api_http is not None:
            return await _call(api_http, request, exc)
        message = {404: "There is no page at this address.",
                   405: "This address does not take that kind of request."}.get(exc.status_code, str(exc.detail))
        answer = error_page(request, exc.status_code, message)
        answer.headers.update(exc.headers or {})  # a 405's Allow, a 401's challenge
        return answer

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return _sign_in_redirect(request, exc)

    async def owner_only(request: Request, exc: Exception) -> Response:
        return error_page(request, 403, "Only the shop's owners can open the settings. Ask an owner to "
                                        "change them, or to make you an owner.")

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return error_page(request, 403, "This form was not sent from Order Center's own page (its security "
                                        "token is missing or old), so nothing was changed. Go back, reload "
                                        "the page and try again.")

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not is_page_request(request) and api_validation is not None:
            return await _call(api_validation, request, exc)
        if all(error.get("loc", ("",))[0] == "path" for error in exc.errors()):  # an id out of range: no such page
            return error_page(request, 404, "There is no page at this address.")
        return error_page(request, 422, "The address or the form has a value that is not valid; go back and "
                                        "try again.")

    async def unexpected(request: Request, exc: Exception) -> Response:
        if not is_page_request(request) and api_unexpected is not None:
            return await _call(api_unexpected, request, exc)  # JSON with a request id, logged there
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        if not is_page_request(request):
            return PlainTextResponse("Internal Server Error", status_code=500)
        return error_page(request, 500, "Order Center hit an unexpected error. The details are in the server "
                                        "log; try again in a moment.")

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(SignInRequired, sign_in_required)
    app.add_exception_handler(OwnerOnly, owner_only)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, unexpected)
