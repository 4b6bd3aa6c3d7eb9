"""CSRF protection on every form: a token in a hidden field, checked on every POST before anything else.

Signed in, the token is the session's own (stored with it). Before sign-in, the sign-in form uses a
double-submit token: a random cookie that the form must repeat, so another site cannot sign a
visitor in to an account of its choosing.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from ordercenter.entrypoints.web.sessions import CurrentPerson, is_secure

CSRF_FIELD = "csrf_token"
SIGN_IN_CSRF_COOKIE = "oc_sign_in_csrf"
# Large enough for the placement preview of 500 orders, each with its shipping choices.
MAX_FORM_FIELDS = 20_000


class CsrfRefused(Exception):  # noqa: N818  (turned into the 403 page)
    """A form arrived without the token of the page that showed it: nothing is changed."""


def _same(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


async def read_form(request: Request) -> FormData:
    return await request.form(max_fields=MAX_FORM_FIELDS)


async def checked_form(request: Request, person: CurrentPerson) -> FormData:
    """The posted form of a signed-in person, once its CSRF token matches the session's."""
    form = await read_form(request)
    if not _same(form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token"), person.csrf_token):
        raise CsrfRefused()
    return form


PostedForm = Annotated[FormData, Depends(checked_form)]


def sign_in_token(request: Request) -> str:
    """The anonymous form token: the visitor's cookie if it has one, else a new one (set by `remember`)."""
    return request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(24)


def remember_sign_in_token(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SIGN_IN_CSRF_COOKIE, token, max_age=24 * 3600, path="/", httponly=True, samesite="lax",
                        secure=is_secure(request))


async def checked_sign_in_form(request: Request) -> FormData:
    form = await read_form(request)
    if not _same(form.get(CSRF_FIELD), request.cookies.get(SIGN_IN_CSRF_COOKIE, "")):
        raise CsrfRefused()
    return form


SignInForm = Annotated[FormData, Depends(checked_sign_in_form)]


def text(form: FormData, name: str) -> str:
    """A text field of the form ("" when absent, or when a file was sent in its place)."""
    value = form.get(name)
    return "" if value is None or isinstance(value, UploadFile) else value.strip()


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]
