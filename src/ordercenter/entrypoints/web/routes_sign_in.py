"""Sign in, sign out: the front door at `/`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.web_sessions import TooManyAttempts
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.web.csrf import (
    CSRF_FIELD,
    PostedForm,
    SignInForm,
    remember_sign_in_token,
    sign_in_token,
    text,
)
from ordercenter.entrypoints.web.rendering import page
from ordercenter.entrypoints.web.sessions import (
    SESSION_COOKIE,
    CurrentPerson,
    clear_session_cookie,
    set_session_cookie,
)
from ordercenter.services import web_sessions

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None) -> str:
    """Only a path of this site: an absolute or protocol-relative URL would send the person elsewhere."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/orders"


def _sign_in_page(request: Request, *, email: str = "", next_path: str = "/orders",
                  errors: dict[str, str] | None = None, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    token = sign_in_token(request)
    response = page(request, "sign_in.html", {"title": "Sign in", "email": email, "next": next_path,
                                              "errors": errors or {}, "sign_in_csrf": token,
                                              "csrf_field": CSRF_FIELD},
                    status_code=status_code, headers=headers)
    remember_sign_in_token(response, request, token)
    return response


@router.get("/")
def front_door(request: Request, container: ContainerDep, next: str | None = None) -> Response:  # noqa: A002
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and web_sessions.authenticate(container.uow(), token, now=container.clock.now()) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _sign_in_page(request, next_path=_safe_next(next))


@router.post("/sign-in")
def sign_in(request: Request, form: SignInForm, container: ContainerDep) -> Response:
    email, next_path = text(form, "email"), _safe_next(text(form, "next"))
    password = form.get("password")
    address = request.client.host if request.client else "unknown"
    try:
        signed_in = web_sessions.sign_in(container.uow(), email=email, password=password if isinstance(
            password, str) else "", client_address=address, now=container.clock.now())
    except TooManyAttempts as refused:
        return _sign_in_page(request, email=email, next_path=next_path, errors={"email": refused.message},
                             status_code=429, headers={"Retry-After": str(int(refused.retry_after.total_seconds()))})
    except InvalidInput as wrong:
        return _sign_in_page(request, email=email, next_path=next_path,
                             errors={wrong.field or "password": wrong.message}, status_code=422)
    # The session this browser had (another person's, or a cookie planted before sign-in) ends here, so a
    # sign-in always leaves exactly one live session behind its cookie.
    previous = request.cookies.get(SESSION_COOKIE, "")
    if previous:
        web_sessions.sign_out(container.uow(), previous, now=container.clock.now())
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, signed_in.token)
    return response


@router.post("/sign-out")
def sign_out(request: Request, person: CurrentPerson, form: PostedForm, container: ContainerDep) -> Response:
    web_sessions.sign_out(container.uow(), request.cookies.get(SESSION_COOKIE, ""), now=container.clock.now())
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response, request)
    return response
