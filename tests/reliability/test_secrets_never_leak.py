"""Secrets never leave: not in a log line, not in an answer (body or header), not on an error page, and not in
the database in plain text; with ORDERCENTER_SECRET_KEY_FILE outside the data folder, the folder holds no key.

The flow is a real one over loopback: the app installed on the sandbox store by OAuth, its webhooks, a
sync, a token refresh, a webhook with a bad signature, a supplier that refuses every call, a sign-in, pages and
API calls that fail, all with the process's JSON logging on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ordercenter.adapters.clock import ManualClock
from ordercenter.bootstrap import bootstrap
from ordercenter.config import Settings
from ordercenter.domain.errors import DomainError
from ordercenter.domain.metadata import metadata
from ordercenter.domain.shops import Shop
from ordercenter.entrypoints.worker import refresh_store_tokens, sync_connected_shops
from ordercenter.services import access
from ordercenter.services.suppliers import connect_supplier
from tests.factories import T0
from tests.live_server import live_server
from tests.operations.test_logging import log_lines
from tests.reliability.two_shops import PASSWORD, csrf_of, sign_in
from tests.store_tokens.conftest import SHOP, World, make_world

__all__ = ["log_lines"]  # the fixture, re-exported for these tests

SUPPLIER_APP_SECRET = "ae-app-secret-never-shown-0042"
SUPPLIER_TOKEN = "ae-access-token-never-shown-0042"
STAFF = "owner@secrets.example"


@pytest.fixture
def world(settings: Settings, clock: ManualClock) -> Iterator[World]:
    yield from make_world(settings, clock)


async def _refuse_everything(request: Request) -> JSONResponse:
    # What AliExpress answers a refused token with (HTTP 200 and an error body).
    return JSONResponse({"error_response": {"code": "IllegalAccessToken", "msg": "The specified access token is "
                                                    "invalid or expired", "request_id": "0ba2887315178178017221014"}})


def _broken_supplier() -> Starlette:
    return Starlette(routes=[Route("/{path:path}", _refuse_everything, methods=["GET", "POST"])])


def _bad_signature_webhook(url: str) -> httpx.Response:
    body = json.dumps({"id": 1}).encode()
    wrong = base64.b64encode(hmac.new(b"not-the-secret", body, hashlib.sha256).digest()).decode()
    return httpx.post(f"{url}/webhooks/shopify", content=body, headers={
        "X-Shopify-Topic": "orders/create", "X-Shopify-Hmac-Sha256": wrong, "X-Shopify-Shop-Domain": SHOP.domain,
        "X-Shopify-Webhook-Id": "w-1", "Content-Type": "application/json"})


def test_no_token_secret_cookie_or_key_appears_in_logs_answers_or_error_pages(world: World,
                                                                             log_lines: io.StringIO) -> None:
    c, answers = world.container, []
    # given: installed by OAuth (expiring access token + refresh token), an order in by webhook, then a sync
    world.install()
    first_access, first_refresh = world.stored_access_token(), world.stored_refresh_token()
    world.store.generate_orders(SHOP.domain, 1, with_shipping_address=True)
    assert world.store.wait_idle(20)
    sync_connected_shops(c)
    # and: the tokens refreshed (both rotate)
    world.clock.advance(timedelta(minutes=51))
    assert refresh_store_tokens(c) == 1
    shop_id = world.shop().id
    # and: a supplier whose every call fails
    with live_server(_broken_supplier()) as broken:
        with pytest.raises(DomainError) as refused:
            connect_supplier(c.uow(), c.secrets, shop_id=shop_id, platform="aliexpress", app_key="ae-key-1",
                             app_secret=SUPPLIER_APP_SECRET, api_url=broken, sandbox=True,
                             access_token=SUPPLIER_TOKEN, name="Broken", now=world.clock.now(), probe=c.probe_supplier)
    # and: the requests a person and a client make, right and wrong
    api_token = access.create_token(c.uow(), shop_id=shop_id, name="leak-check", now=world.clock.now()).token
    access.create_staff_user(c.uow(), shop_id=shop_id, email=STAFF, password=PASSWORD, now=world.clock.now())
    answers.append(_bad_signature_webhook(world.url))
    assert answers[-1].status_code == 401
    bearer = {"Authorization": f"Bearer {api_token}"}
    for path in ("/api/v1/orders", "/api/v1/orders/999999", "/api/v1/suppliers", "/api/v1/webhook-deliveries",
                 "/api/v1/orders/9223372036854775808", "/openapi.json", "/healthz"):
        answers.append(httpx.get(f"{world.url}{path}", headers=bearer))
    answers.append(httpx.get(f"{world.url}/api/v1/orders", headers={"Authorization": "Bearer oc_wrong"}))
    page = sign_in(world.url, STAFF)
    session = page.cookies["oc_session"]
    for path in ("/orders", "/orders/999999", "/settings", "/no-such-page", "/supplier-orders/1/pay"):
        answers.append(page.get(path))
    answers.append(page.post("/settings/tokens", data={"name": "x"}))  # no CSRF token: the 403 page
    answers.append(page.post("/settings/timezone", data={"timezone": "Nowhere/Else", "csrf_token": csrf_of(page)}))
    page.close()

    secrets = {"first store access token": first_access, "first refresh token": first_refresh,
               "store access token": world.stored_access_token(), "refresh token": world.stored_refresh_token(),
               "app client secret (webhook secret)": SHOP.client_secret, "supplier app secret": SUPPLIER_APP_SECRET,
               "supplier access token": SUPPLIER_TOKEN, "API token": api_token, "session cookie": session,
               "secret key": c.settings.resolved_secret_key()}
    assert all(len(value) >= 16 for value in secrets.values()), secrets
    # then: no log line holds one
    logged = log_lines.getvalue()
    assert logged.count("\n") > 10, "the flow logged nothing: the capture is not working"
    assert [name for name, value in secrets.items() if value in logged] == []
    # nor any answer, body or header, nor the supplier's failure as the merchant is told it
    for answer in answers:
        text = answer.text + json.dumps(dict(answer.headers))
        assert [n for n, v in secrets.items() if v in text] == [], (answer.request.url, answer.status_code)
    assert [n for n, v in secrets.items() if v in refused.value.message] == [], refused.value.message
    # and: the database holds none of them in plain text, row by row
    dumped = []
    with c.engine.connect() as connection:
        for table in metadata.sorted_tables:
            dumped.append(repr(connection.execute(select(table)).all()))
    rows = "\n".join(dumped)
    at_rest = {k: v for k, v in secrets.items() if k not in ("session cookie", "API token", "secret key")}
    assert [name for name, value in at_rest.items() if value in rows] == []
    # (the session cookie and the API token are kept as digests only)
    assert secrets["session cookie"] not in rows and api_token not in rows
    if c.settings.database_url is None:  # and the SQLite files themselves, write-ahead log included
        raw = b"".join(p.read_bytes() for p in c.settings.data_dir.glob("ordercenter.db*"))
        assert [name for name, value in at_rest.items() if value.encode() in raw] == []


def test_with_a_key_file_outside_the_data_folder_the_data_folder_holds_no_key(
        settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> None:
    keys = tmp_path_factory.mktemp("keys")  # beside the data folder (the test's tmp_path), not in it
    key_file = keys / "ordercenter.key"
    key = "k3y-kept-apart-" + "x" * 40
    key_file.write_text(key + "\n")
    container = bootstrap(settings.model_copy(update={"secret_key": None, "secret_key_file": key_file}),
                          clock=ManualClock(T0), migrate=settings.database_url is None)
    with container.uow() as uow:
        uow.shops.add(Shop(domain="keyfile.myshopify.com", name="Key file", currency="EUR",
                           created_at=container.clock.now(),
                           access_token_encrypted=container.secrets.encrypt("shpat_kept_encrypted_1234567")))
        uow.commit()
    with container.uow() as uow:
        shop = uow.shops.by_domain("keyfile.myshopify.com")
        assert shop is not None and container.secrets.decrypt(shop.access_token_encrypted or "") == \
            "shpat_kept_encrypted_1234567"
    container.engine.dispose()
    data = settings.data_dir
    assert not (data / "secret.key").exists()
    holding = [p for p in data.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    assert holding == []
    assert b"shpat_kept_encrypted_1234567" not in b"".join(
        p.read_bytes() for p in data.rglob("*") if p.is_file())
