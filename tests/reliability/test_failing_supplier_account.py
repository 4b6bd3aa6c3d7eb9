"""A supplier account whose credentials the supplier refuses on every call: the account says so, one alert
is raised (and settled when a call works again), and the poller backs off instead of asking per order.

Over real HTTP with the sandbox supplier: the account holds an access token the supplier does not know
(revoked, or pasted wrong); the merchant then authorizes it again through the sandbox's OAuth exchange.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from ordercenter.adapters.aliexpress.errors import platform_error
from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import SupplierErrorKind, SupplierOrderState, SupplierPlatform
from ordercenter.domain.alerts import Alert, AlertKind
from ordercenter.domain.outbox import EmailKind
from ordercenter.domain.suppliers import (
    CREDENTIALS_RETRY_CAP,
    CREDENTIALS_RETRY_FIRST,
    SupplierAccount,
    SupplierPlatformKind,
    credentials_retry_after,
    supplier_account_subject,
)
from ordercenter.entrypoints.api.app import create_app
from ordercenter.services import access
from ordercenter.services.placement import place_orders
from ordercenter.services.polling import clients, poll_due
from ordercenter.services.suppliers import store_tokens
from tests.factories import T0
from tests.fakes import FakeStore
from tests.placement.conftest import Placement, placement, sandbox_supplier  # noqa: F401  (the fixtures; hence F811 below)

# ---------------------------------------------------------------- the policy (no I/O)


def test_the_wait_between_tries_of_refused_credentials_doubles_up_to_an_hour() -> None:
    waits = [credentials_retry_after(n) for n in range(1, 10)]
    assert waits[:4] == [CREDENTIALS_RETRY_FIRST * f for f in (1, 2, 4, 8)]
    assert waits[-1] == CREDENTIALS_RETRY_CAP == timedelta(hours=1)
    assert all(a <= b for a, b in zip(waits, waits[1:], strict=False))
    assert credentials_retry_after(10_000) == CREDENTIALS_RETRY_CAP


def test_an_account_records_since_when_it_is_refused_until_a_call_works() -> None:
    account = SupplierAccount(shop_id=1, platform=SupplierPlatformKind.ALIEXPRESS, name="AE", app_key="k",
                              app_secret_encrypted="", created_at=T0, refused_tries=0)
    assert account.record_refusal("invalid session", T0) is True
    assert account.record_refusal("invalid session", T0 + timedelta(minutes=1)) is False
    assert (account.failing_since, account.refused_tries) == (T0, 2)
    assert account.next_try_at == T0 + timedelta(minutes=3)
    assert account.waiting_to_retry(T0 + timedelta(minutes=2))
    assert not account.waiting_to_retry(T0 + timedelta(minutes=3))
    assert account.record_acceptance() is True
    assert account.failing_since is None and account.last_error is None and account.next_try_at is None
    assert account.record_acceptance() is False


@pytest.mark.parametrize("payload", [
    {"code": "27", "msg": "Invalid session", "sub_code": "session-is-blank"},
    {"code": "IllegalAccessToken", "msg": "The specified access token is invalid or expired"},
    {"code": "15", "msg": "Remote service error", "sub_code": "isv.invalid-token"},
])
def test_an_invalid_session_or_token_answer_is_a_refusal_of_the_credentials(payload: dict[str, str]) -> None:
    assert platform_error(payload).kind is SupplierErrorKind.AUTH


# ---------------------------------------------------------------- over HTTP


class CountingCalls:
    """The account's real sandbox client, counting the order look-ups it makes."""

    def __init__(self, inner: SupplierPlatform, calls: list[str]) -> None:
        self._inner, self._calls = inner, calls

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def get_order(self, supplier_order_id: str) -> SupplierOrderState:
        self._calls.append(supplier_order_id)
        return self._inner.get_order(supplier_order_id)


@pytest.fixture
def refused(placement: Placement, clock: ManualClock) -> Placement:  # noqa: F811
    """Three placed orders (six supplier orders) on one account, whose access token is then refused."""
    order_ids = [placement.order(number) for number in (1001, 1002, 1003)]
    results = place_orders(placement.container.uow(), placement.resolver(), clock, shop_id=placement.shop_id,
                           order_ids=order_ids)
    assert all(r.placed for r in results)
    with placement.container.uow() as uow:
        account = uow.supplier_accounts.get(placement.shop_id, placement.account_id, for_update=True)
        assert account is not None
        account.is_sandbox = True
        account.access_token_encrypted = placement.container.secrets.encrypt("sbx_revoked_by_the_buyer")
        uow.commit()
    return placement


def _poll(world: Placement, clock: ManualClock, calls: list[str]) -> int:
    container = world.container

    def counted(account: SupplierAccount) -> SupplierPlatform:
        return CountingCalls(container.supplier_for(account), calls)  # type: ignore[return-value]

    store = FakeStore()
    with clients(container.uow(), counted, lambda shop: store) as (supplier_for, store_for):
        return poll_due(container.uow(), supplier_for, store_for, clock, limit=50)


def _account_alerts(world: Placement) -> list[Alert]:
    with world.container.uow() as uow:
        return [a for a in uow.alerts.list(world.shop_id, open_only=False, limit=100)
                if a.subject == supplier_account_subject(world.account_id)]


def _api(world: Placement) -> TestClient:
    token = access.create_token(world.container.uow(), shop_id=world.shop_id, name="t", now=T0).token
    return TestClient(create_app(world.container), base_url="http://test/api/v1",
                      headers={"Authorization": f"Bearer {token}"})


def _settings_page(world: Placement) -> str:
    access.create_staff_user(world.container.uow(), shop_id=world.shop_id, email="owner@faults.example",
                             password="owner-pass-1", now=T0)
    with TestClient(create_app(world.container), base_url="http://test") as web:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/").text)
        assert csrf is not None
        signed_in = web.post("/sign-in", data={"email": "owner@faults.example", "password": "owner-pass-1",
                                               "csrf_token": csrf[1]})
        assert signed_in.status_code == 200, signed_in.text[:300]
        return str(web.get("/settings").text)


def test_refused_credentials_show_on_the_account_raise_one_alert_and_the_poller_backs_off(
        refused: Placement, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    caplog.set_level(logging.WARNING, logger="ordercenter")
    started = clock.now()
    # when: the worker polls once a minute for 70 minutes
    for _ in range(70):
        _poll(refused, clock, calls)
        clock.advance(timedelta(minutes=1))
    # then: one call per try, the tries at 0, 1, 3, 7, 15, 31 and 63 minutes (then hourly), not 6 per look
    assert len(calls) == 7
    refusals = [r for r in caplog.records if "refused our credentials" in r.getMessage()]
    assert len(refusals) == 7
    assert not [r for r in caplog.records if "tracking sync of supplier order" in r.getMessage()]
    # and the account says so, on the API
    with _api(refused) as api:
        [shown] = api.get("/suppliers").json()["data"]
    assert shown["authorized"] is False
    assert "access token is invalid" in shown["last_error"]
    assert shown["failing_since"].startswith(started.strftime("%Y-%m-%dT%H:%M"))
    assert shown["next_try_at"] is not None
    # one alert, one e-mail to the merchant
    [alert] = _account_alerts(refused)
    assert (alert.kind, alert.is_open) == (AlertKind.SUPPLIER_CREDENTIALS_REFUSED, True)
    with refused.container.uow() as uow:
        emails = [e for e in uow.outbox.page(refused.shop_id, status=None, limit=100) if e.kind is EmailKind.ACCOUNT]
    assert len(emails) == 1
    # and the settings page shows it
    page = _settings_page(refused)
    assert "Refused by the supplier" in page and "access token is invalid" in page


def test_the_alert_settles_when_a_call_works_again_after_a_new_authorization(
        refused: Placement, clock: ManualClock) -> None:
    calls: list[str] = []
    for _ in range(3):
        _poll(refused, clock, calls)
        clock.advance(timedelta(minutes=1))
    assert _account_alerts(refused)[0].is_open
    # when: the merchant authorizes the account again (the sandbox's real code exchange)
    container = refused.container
    with container.uow() as uow:
        account = uow.supplier_accounts.get(refused.shop_id, refused.account_id)
        assert account is not None
    tokens = container.supplier_authorizer(account).exchange_code(refused.supplier.tokens.issue_code())
    store_tokens(container.uow(), container.secrets, shop_id=refused.shop_id, account_id=refused.account_id,
                 tokens=tokens, now=clock.now())
    # and the orders' next look comes (they waited for the account's next try)
    clock.advance(timedelta(hours=1))
    answered = _poll(refused, clock, calls)
    # then: every order answered, the account works and the alert is resolved
    assert answered == 6
    [alert] = _account_alerts(refused)
    assert not alert.is_open
    with _api(refused) as api:
        [shown] = api.get("/suppliers").json()["data"]
    assert (shown["authorized"], shown["last_error"], shown["failing_since"]) == (True, None, None)
