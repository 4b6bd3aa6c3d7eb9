"""Who is asking: the session cookie, the signed-in person of each request, roles, and one-off notices.

The cookie holds only a random token (HttpOnly, SameSite=Lax, Secure over TLS); the database holds its
digest, so signing out or an expiry takes effect in every server process at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from ordercenter.adapters.logging_setup import bind_request
from ordercenter.domain.web_sessions import ABSOLUTE_TIMEOUT
from ordercenter.entrypoints.api.deps import ContainerDep
from ordercenter.entrypoints.web import after_sale
from ordercenter.services import web_sessions
from ordercenter.services.web_sessions import SignedInPerson

SESSION_COOKIE = "oc_session"
NOTICE_COOKIE = "oc_notice"


class SignInRequired(Exception):  # noqa: N818  (a signal to the error handler, not a failure)
    """No live session: the visitor is sent to the sign-in page, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class OwnerOnly(Exception):  # noqa: N818
    """A staff member asked for a page only the shop's owners may use."""


@dataclass(frozen=True)
class Frame:
    """What the frame around every page shows besides the person."""

    deadline_count: int


def is_secure(request: Request) -> bool:
    """Served over TLS: directly, through a proxy uvicorn trusts (X-Forwarded-Proto), or by configuration."""
    settings = request.app.state.container.settings
    return request.url.scheme == "https" or str(settings.public_url).startswith("https://")


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(ABSOLUTE_TIMEOUT.total_seconds()), path="/",
                        httponly=True, samesite="lax", secure=is_secure(request))


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_secure(request))


def see_other(request: Request, url: str, notice: str | None = None) -> Response:
    """Redirect after a change (303, so reload does not post again), with a notice for the next page.

    An htmx request gets HX-Redirect instead: a full page load, not a page swapped into a dialog."""
    if request.headers.get("HX-Request") == "true":
        response: Response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(NOTICE_COOKIE, quote(notice), max_age=120, path="/", httponly=True, samesite="lax",
                            secure=is_secure(request))
    return response


def _next_path(request: Request) -> str:
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


def current_person(request: Request, container: ContainerDep) -> SignedInPerson:
    """The signed-in person, with the frame's counts; SignInRequired without a live session."""
    token = request.cookies.get(SESSION_COOKIE, "")
    now = container.clock.now()
    person = web_sessions.authenticate(container.uow(), token, now=now) if token else None
    if person is None:
        raise SignInRequired(_next_path(request) if request.method == "GET" else "/orders")
    request.state.person = person
    bind_request(shop_id=person.shop_id)
    request.state.frame = Frame(after_sale.deadline_count(container.uow(), shop_id=person.shop_id, now=now,
                                                          cache=after_sale.badge_cache(request.app)))
    notice = request.cookies.get(NOTICE_COOKIE)
    request.state.notice = unquote(notice)[:300] if notice else None
    return person


def owner(person: Annotated[SignedInPerson, Depends(current_person)]) -> SignedInPerson:
    if not person.is_owner:
        raise OwnerOnly()
    return person


CurrentPerson = Annotated[SignedInPerson, Depends(current_person)]
OwnerPerson = Annotated[SignedInPerson, Depends(owner)]
