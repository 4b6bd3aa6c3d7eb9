"""Sessions, CSRF and the sign-in limits over real HTTP, beyond what tests/web/test_sign_in.py shows in
Chromium: a sign-in always starts a new session and ends the one the browser had, a session ends at its
absolute limit however much it is used, signing out needs the form's token and ends the session, every
POST form of the pages refuses a request without the session's own token (walked from the app's routes),
and failures from one network address are limited across accounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import Container
from ordercenter.domain.shops import Shop
from ordercenter.domain.web_sessions import ABSOLUTE_TIMEOUT, ADDRESS_FAILURE_LIMIT, IDLE_TIMEOUT
from ordercenter.entrypoints.api.app import create_app
from ordercenter.entrypoints.web.csrf import SIGN_IN_CSRF_COOKIE
from ordercenter.entrypoints.web.sessions import SESSION_COOKIE
from ordercenter.services import access, web_sessions
from tests.live_server import live_server
from tests.reliability.two_shops import PASSWORD, csrf_of, sign_in

OWNER = "owner@sessions.example"
OTHER = "owner@other-sessions.example"


@dataclass
class Site:
    url: str
    container: Container
    clock: ManualClock


@pytest.fixture
def site(container: Container, clock: ManualClock) -> Iterator[Site]:
    for domain, email in (("sessions.myshopify.com", OWNER), ("other-sessions.myshopify.com", OTHER)):
        with container.uow() as uow:
            shop = uow.shops.add(Shop(domain=domain, name=domain.split(".")[0], currency="EUR",
                                      created_at=clock.now()))
            uow.flush()
            shop_id = shop.id
            uow.commit()
        access.create_staff_user(container.uow(), shop_id=shop_id, email=email, password=PASSWORD, now=clock.now())
    with live_server(create_app(container)) as url:
        yield Site(url, container, clock)


def _opens_the_orders(url: str, cookie: str) -> bool:
    answer = httpx.get(f"{url}/orders", cookies={SESSION_COOKIE: cookie}, follow_redirects=False)
    return answer.status_code == 200


def test_signing_in_again_starts_a_new_session_and_ends_the_one_the_browser_had(site: Site) -> None:
    first = sign_in(site.url, OWNER)
    old, old_form_token = first.cookies[SESSION_COOKIE], csrf_of(first)
    # when: the same browser signs in again (another person at the desk, or a planted cookie)
    token = first.cookies[SIGN_IN_CSRF_COOKIE]  # what the sign-in form, still open in a tab, repeats
    again = first.post("/sign-in", data={"email": OTHER, "password": PASSWORD, "csrf_token": token})
    assert again.status_code == 303
    new = first.cookies[SESSION_COOKIE]
    # then: a new token, and the old one opens nothing any more
    assert new != old
    assert _opens_the_orders(site.url, new)
    assert not _opens_the_orders(site.url, old)
    # and: the old session's form token is no good for the new session
    stale = first.post("/settings/tokens", data={"name": "stale", "csrf_token": old_form_token})
    assert stale.status_code == 403
    first.close()


def test_a_session_ends_at_its_absolute_limit_even_when_used_all_along(site: Site) -> None:
    client = sign_in(site.url, OWNER)
    cookie = client.cookies[SESSION_COOKIE]
    used = timedelta(0)
    while used + IDLE_TIMEOUT / 2 < ABSOLUTE_TIMEOUT:
        site.clock.advance(IDLE_TIMEOUT / 2)
        used += IDLE_TIMEOUT / 2
        # used within every idle window (the service each request asks; over HTTP below)
        assert web_sessions.authenticate(site.container.uow(), cookie, now=site.clock.now()) is not None
    assert _opens_the_orders(site.url, cookie)
    site.clock.advance(ABSOLUTE_TIMEOUT - used)
    assert not _opens_the_orders(site.url, cookie)
    client.close()


def test_signing_out_needs_the_forms_token_and_then_ends_the_session(site: Site) -> None:
    client = sign_in(site.url, OWNER)
    cookie = client.cookies[SESSION_COOKIE]
    # a sign-out posted from another site (no token) is refused and the session lives on
    refused = httpx.post(f"{site.url}/sign-out", cookies={SESSION_COOKIE: cookie}, data={})
    assert refused.status_code == 403
    assert _opens_the_orders(site.url, cookie)
    # the person's own sign-out ends it, and the cookie is cleared
    out = client.post("/sign-out", data={"csrf_token": csrf_of(client)})
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert f'{SESSION_COOKIE}=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert not _opens_the_orders(site.url, cookie)
    client.close()


def _post_forms(container: Container) -> list[str]:
    app = create_app(container)
    return [route.path or "" for route in iter_route_contexts(app.routes)
            if "POST" in (route.methods or ()) and
            (getattr(route.endpoint, "__module__", "") or "").startswith("ordercenter.entrypoints.web")]


def test_every_form_of_the_pages_refuses_a_post_without_the_sessions_own_token(site: Site) -> None:
    forms = _post_forms(site.container)
    assert len(forms) >= 30, forms
    owner, other = sign_in(site.url, OWNER), sign_in(site.url, OTHER)
    someone_elses = csrf_of(other)
    person = web_sessions.authenticate(site.container.uow(), owner.cookies[SESSION_COOKIE], now=site.clock.now())
    assert person is not None
    with site.container.uow() as uow:
        tokens_before = len(uow.tokens.all(person.shop_id))
    for path in forms:
        url = re.sub(r"{[^}]+}", "1", path)  # any id: the token is checked before anything else
        for sent in ({}, {"csrf_token": "guessed"}, {"csrf_token": someone_elses}):
            answer = owner.post(url, data={**sent, "name": "sneaky", "email": "thief@evil.example"})
            assert answer.status_code == 403, (path, sent, answer.status_code, answer.text[:200])
    # and: the sign-in form itself needs its cookie's token (no signing a visitor in to another account)
    anonymous = httpx.post(f"{site.url}/sign-in", data={"email": OWNER, "password": PASSWORD, "csrf_token": "x"})
    assert anonymous.status_code == 403 and SESSION_COOKIE not in anonymous.cookies
    with site.container.uow() as uow:
        assert len(uow.tokens.all(person.shop_id)) == tokens_before
    owner.close()
    other.close()


def _forwarded(address: str | None) -> dict[str, str]:
    return {"X-Forwarded-For": address} if address else {}


def _fail_sign_ins_until_refused(client: httpx.Client, forwarded_for: str | None = None) -> None:
    token = csrf_of(client, "/")
    for n in range(ADDRESS_FAILURE_LIMIT):
        answer = client.post("/sign-in", headers=_forwarded(forwarded_for), data={
            "email": f"guess{n}@sessions.example", "password": "guess-guess", "csrf_token": token})
        assert answer.status_code == 422, answer.text[:200]


def _sign_in_as_owner(client: httpx.Client, forwarded_for: str | None = None) -> httpx.Response:
    return client.post("/sign-in", headers=_forwarded(forwarded_for),
                       data={"email": OWNER, "password": PASSWORD, "csrf_token": csrf_of(client, "/")})


def test_failed_sign_ins_from_one_address_are_limited_whatever_the_account(site: Site) -> None:
    client = httpx.Client(base_url=site.url, follow_redirects=False)
    _fail_sign_ins_until_refused(client)
    # when: the right password of a real account, from the same address
    refused = _sign_in_as_owner(client)
    # then: refused before the password is looked at, with the time to wait
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "from this network address" in refused.text
    assert SESSION_COOKIE not in client.cookies
    client.close()


@pytest.mark.parametrize("proxy_is_trusted", [True, False])
def test_behind_a_trusted_proxy_the_sign_in_limit_counts_the_forwarded_address(
        site: Site, proxy_is_trusted: bool) -> None:
    # given: the server believes X-Forwarded-For from our address (the proxy), or only from another one
    trusted = "127.0.0.1" if proxy_is_trusted else "192.0.2.10"
    with live_server(create_app(site.container), forwarded_allow_ips=trusted) as url:
        client = httpx.Client(base_url=url, follow_redirects=False)
        _fail_sign_ins_until_refused(client, forwarded_for="203.0.113.7")
        assert _sign_in_as_owner(client, forwarded_for="203.0.113.7").status_code == 429
        # when: a person at another address signs in through the same proxy
        answer = _sign_in_as_owner(client, forwarded_for="198.51.100.20")
        client.close()
    # then: through a trusted proxy only the guesser's address is held back; an untrusted one's header
    # is ignored, so nobody can dodge the limit by writing the header themselves
    assert answer.status_code == (303 if proxy_is_trusted else 429)
