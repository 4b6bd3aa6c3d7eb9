"""Connecting supplier accounts, keeping their tokens fresh and asking for re-authorization (SQLite and
PostgreSQL), with fake ports that remember their calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from ordercenter.adapters.clock import ManualClock
from ordercenter.adapters.ports import EmailMessage, SupplierError, SupplierErrorKind, SupplierTokens
from ordercenter.bootstrap import Container
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.shops import Shop
from ordercenter.domain.suppliers import SupplierAccount
from ordercenter.services import access
from ordercenter.services.suppliers import (
    begin_authorization,
    connect_supplier,
    finish_authorization,
    get_supplier_account,
    reauthorization_alerts,
    refresh_due_tokens,
    store_tokens,
)
from tests.factories import T0

KEY = "k" * 40


# ---------------------------------------------------------------- fakes


@dataclass
class FakeProbe:
    refuse: bool = False
    calls: list[dict[str, object]] = field(default_factory=list)

    def __call__(self, *, app_key: str, app_secret: str, access_token: str, api_url: str | None,
                 sandbox: bool) -> None:
        self.calls.append({"app_key": app_key, "access_token": access_token, "api_url": api_url, "sandbox": sandbox})
        if self.refuse:
            raise SupplierError(SupplierErrorKind.AUTH, "refused", supplier_code="IllegalAccessToken",
                                supplier_message="The specified access token is invalid or expired")


@dataclass
class FakeAuthorizer:
    """Behaves like AliExpress in test status: 1-day access, 2-day refresh, rotating refresh tokens."""

    clock: ManualClock
    refresh_lifetime: timedelta = timedelta(days=2)
    fail_next: SupplierError | None = None
    codes: list[str] = field(default_factory=list)
    refreshed_with: list[str] = field(default_factory=list)
    _deadlines: dict[str, datetime] = field(default_factory=dict)
    _issued: int = 0

    def _tokens(self, refresh_deadline: datetime) -> SupplierTokens:
        self._issued += 1
        refresh = f"refresh-{self._issued}"
        self._deadlines[refresh] = refresh_deadline
        return SupplierTokens(access_token=f"access-{self._issued}", refresh_token=refresh,
                              access_expires_at=min(self.clock.now() + timedelta(days=1), refresh_deadline),
                              refresh_expires_at=refresh_deadline, user_id="2200800123456", account="buyer@example.com")

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        return f"https://consent.example/oauth/authorize?redirect_uri={redirect_uri}&state={state}"

    def exchange_code(self, code: str) -> SupplierTokens:
        self.codes.append(code)
        return self._tokens(self.clock.now() + self.refresh_lifetime)

    def refresh(self, refresh_token: str) -> SupplierTokens:
        self.refreshed_with.append(refresh_token)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error
        return self._tokens(self._deadlines.pop(refresh_token))


@dataclass
class FakeNotifier:
    fail_next: bool = False
    sent: list[EmailMessage] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        if self.fail_next:
            self.fail_next = False
            raise ConnectionRefusedError("smtp down")
        self.sent.append(message)


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def shop_id(container: Container) -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain="suppliers.myshopify.com", name="Supplier shop", currency="EUR",
                                  created_at=T0))
        uow.commit()
        return shop.id


@pytest.fixture
def authorizer(clock: ManualClock) -> FakeAuthorizer:
    return FakeAuthorizer(clock)


def connect(container: Container, shop_id: int, probe: FakeProbe | None = None, **changes: object) -> SupplierAccount:
    fields: dict[str, object] = {"platform": "aliexpress", "app_key": "12345678", "app_secret": "app-secret-1",
                                 "api_url": None, "sandbox": False, "name": "AliExpress"}
    fields.update(changes)
    return connect_supplier(container.uow(), container.secrets, shop_id=shop_id, now=container.clock.now(),
                            probe=probe or FakeProbe(), **fields)  # type: ignore[arg-type]


def authorize(container: Container, authorizer: FakeAuthorizer, shop_id: int, account_id: int) -> SupplierAccount:
    url = begin_authorization(container.uow(), lambda _: authorizer, shop_id=shop_id, account_id=account_id,
                              redirect_uri="https://oc.example/aliexpress/callback", now=container.clock.now(),
                              key=KEY)
    state = parse_qs(urlsplit(url).query)["state"][0]
    return finish_authorization(container.uow(), lambda _: authorizer, container.secrets,
                                params={"code": "3_code", "state": state}, now=container.clock.now(), key=KEY)


def reload(container: Container, account: SupplierAccount) -> SupplierAccount:
    return get_supplier_account(container.uow(), shop_id=account.shop_id, account_id=account.id)


# ---------------------------------------------------------------- connecting


def test_connecting_a_supplier_checks_the_token_and_keeps_every_secret_encrypted(
        container: Container, shop_id: int) -> None:
    probe = FakeProbe()

    account = connect(container, shop_id, probe, access_token="tok-123", api_url="http://127.0.0.1:9/sbx/",
                      sandbox=True)

    assert probe.calls == [{"app_key": "12345678", "access_token": "tok-123", "api_url": "http://127.0.0.1:9/sbx",
                            "sandbox": True}]
    stored = reload(container, account)
    assert stored.is_sandbox and stored.is_authorized and stored.api_url == "http://127.0.0.1:9/sbx"
    assert "app-secret-1" not in stored.app_secret_encrypted and "tok-123" not in str(stored.access_token_encrypted)
    assert container.secrets.decrypt(stored.app_secret_encrypted) == "app-secret-1"
    assert stored.access_token_encrypted is not None
    assert container.secrets.decrypt(stored.access_token_encrypted) == "tok-123"


def test_an_account_without_a_token_waits_for_authorization_and_no_call_is_made(
        container: Container, shop_id: int) -> None:
    probe = FakeProbe()

    account = connect(container, shop_id, probe)

    assert probe.calls == [] and not reload(container, account).is_authorized


def test_a_refused_access_token_is_an_error_on_that_field_and_saves_nothing(container: Container,
                                                                            shop_id: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        connect(container, shop_id, FakeProbe(refuse=True), access_token="wrong")

    assert caught.value.field == "access_token" and "invalid or expired" in caught.value.message
    with container.uow() as uow:
        assert list(uow.supplier_accounts.all(shop_id)) == []


@pytest.mark.parametrize(("changes", "field_name"), [
    ({"platform": "temu"}, "platform"),
    ({"app_key": "  "}, "app_key"),
    ({"app_secret": ""}, "app_secret"),
    ({"name": " "}, "name"),
    ({"access_token": ""}, "access_token"),
    ({"sandbox": True}, "api_url"),
    ({"api_url": "ftp://files.example"}, "api_url"),
])
def test_bad_input_is_refused_naming_the_field(container: Container, shop_id: int, changes: dict[str, object],
                                               field_name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        connect(container, shop_id, **changes)  # type: ignore[arg-type]

    assert caught.value.field == field_name


def test_connecting_the_same_app_key_again_replaces_its_credentials(container: Container, shop_id: int) -> None:
    first = connect(container, shop_id)

    second = connect(container, shop_id, app_secret="rotated-secret", name="Main AE account")

    assert second.id == first.id
    stored = reload(container, first)
    assert stored.name == "Main AE account"
    assert container.secrets.decrypt(stored.app_secret_encrypted) == "rotated-secret"


# ---------------------------------------------------------------- authorizing and storing tokens


def test_an_authorization_stores_the_tokens_and_the_buyer_account(container: Container, shop_id: int,
                                                                  authorizer: FakeAuthorizer) -> None:
    account = connect(container, shop_id)

    authorize(container, authorizer, shop_id, account.id)

    stored = reload(container, account)
    assert authorizer.codes == ["3_code"]
    assert stored.buyer_account == "buyer@example.com" and stored.authorized_at == T0
    assert stored.access_token_expires_at == T0 + timedelta(days=1)
    assert stored.refresh_token_expires_at == T0 + timedelta(days=2)
    assert stored.refresh_token_encrypted is not None
    assert container.secrets.decrypt(stored.refresh_token_encrypted) == "refresh-1"


def test_a_callback_with_a_state_for_another_shop_or_a_forged_state_changes_nothing(
        container: Container, shop_id: int, authorizer: FakeAuthorizer) -> None:
    account = connect(container, shop_id)

    with pytest.raises(InvalidInput) as caught:
        finish_authorization(container.uow(), lambda _: authorizer, container.secrets,
                             params={"code": "3_code", "state": "forged"}, now=T0, key=KEY)

    assert caught.value.field == "state" and authorizer.codes == []
    assert not reload(container, account).is_authorized


def test_a_refused_consent_is_reported_without_calling_the_supplier(container: Container, shop_id: int,
                                                                    authorizer: FakeAuthorizer) -> None:
    with pytest.raises(InvalidInput, match="access_denied"):
        finish_authorization(container.uow(), lambda _: authorizer, container.secrets,
                             params={"error": "access_denied"}, now=T0, key=KEY)
    assert authorizer.codes == []


def test_tokens_the_supplier_will_not_refresh_are_kept_without_a_refresh_token(container: Container,
                                                                                shop_id: int) -> None:
    account = connect(container, shop_id)
    tokens = SupplierTokens(access_token="last-one", refresh_token=None, access_expires_at=T0 + timedelta(days=3),
                            refresh_expires_at=None)

    stored = store_tokens(container.uow(), container.secrets, shop_id=shop_id, account_id=account.id, tokens=tokens,
                          now=T0)

    assert stored.refresh_token_encrypted is None and stored.authorization_deadline == T0 + timedelta(days=3)
    assert stored.reauthorization_due(T0) and not stored.needs_token_refresh(T0 + timedelta(days=3))


# ---------------------------------------------------------------- refreshing


def test_a_token_about_to_expire_is_refreshed_keeping_the_new_refresh_token_and_the_old_deadline(
        container: Container, shop_id: int, authorizer: FakeAuthorizer, clock: ManualClock) -> None:
    account = authorize(container, authorizer, shop_id, connect(container, shop_id).id)
    clock.advance(timedelta(hours=23, minutes=31))

    refreshed = refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now())

    stored = reload(container, account)
    assert refreshed == 1 and authorizer.refreshed_with == ["refresh-1"]
    assert stored.refresh_token_encrypted is not None
    assert container.secrets.decrypt(stored.refresh_token_encrypted) == "refresh-2"
    assert stored.access_token_expires_at == clock.now() + timedelta(days=1)
    assert stored.refresh_token_expires_at == T0 + timedelta(days=2)
    assert stored.authorized_at == T0  # a refresh is not a new authorization
    # the next pass finds nothing due
    assert refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now()) == 0


def test_nothing_is_refreshed_early_nor_past_the_refresh_deadline(
        container: Container, shop_id: int, authorizer: FakeAuthorizer, clock: ManualClock) -> None:
    authorize(container, authorizer, shop_id, connect(container, shop_id).id)

    clock.advance(timedelta(hours=23, minutes=29))
    assert refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now()) == 0
    clock.advance(timedelta(days=2))
    assert refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now()) == 0
    assert authorizer.refreshed_with == []


def test_a_refresh_token_the_supplier_refuses_is_dropped_and_the_reason_kept(
        container: Container, shop_id: int, authorizer: FakeAuthorizer, clock: ManualClock) -> None:
    account = authorize(container, authorizer, shop_id, connect(container, shop_id).id)
    authorizer.fail_next = SupplierError(SupplierErrorKind.AUTH, "refused", supplier_code="IllegalRefreshToken",
                                         supplier_message="The specified refresh token is invalid or expired")
    clock.advance(timedelta(hours=23, minutes=45))

    assert refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now()) == 0

    stored = reload(container, account)
    assert stored.refresh_token_encrypted is None and stored.is_authorized
    assert stored.token_error == "The specified refresh token is invalid or expired"
    assert stored.reauthorization_due(clock.now())


def test_a_transient_refresh_failure_keeps_the_refresh_token_for_the_next_run(
        container: Container, shop_id: int, authorizer: FakeAuthorizer, clock: ManualClock) -> None:
    account = authorize(container, authorizer, shop_id, connect(container, shop_id).id)
    authorizer.fail_next = SupplierError(SupplierErrorKind.TRANSIENT, "AliExpress did not answer")
    clock.advance(timedelta(hours=23, minutes=45))

    assert refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now()) == 0
    assert refresh_due_tokens(container.uow(), container.secrets, lambda _: authorizer, clock.now()) == 1

    assert reload(container, account).token_error is None


# ---------------------------------------------------------------- re-authorization alerts


def add_staff(container: Container, shop_id: int, *emails: str) -> None:
    for email in emails:
        access.create_staff_user(container.uow(), shop_id=shop_id, email=email, password="correct horse", now=T0)


def test_the_shop_staff_are_alerted_once_when_the_authorization_runs_out_within_a_week(
        container: Container, shop_id: int, clock: ManualClock) -> None:
    add_staff(container, shop_id, "owner@shop.example", "ops@shop.example")
    with container.uow() as uow:
        other = uow.shops.add(Shop(domain="other.myshopify.com", name="Other", created_at=T0))
        uow.commit()
    add_staff(container, other.id, "someone@other.example")
    account = connect(container, shop_id, name="Main AE")
    launched = FakeAuthorizer(clock, refresh_lifetime=timedelta(days=60))
    authorize(container, launched, shop_id, account.id)
    notifier = FakeNotifier()

    clock.advance(timedelta(days=52))
    assert reauthorization_alerts(container.uow(), notifier, clock.now()) == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert reauthorization_alerts(container.uow(), notifier, clock.now(), public_url="https://oc.example") == 1
    clock.advance(timedelta(hours=1))
    assert reauthorization_alerts(container.uow(), notifier, clock.now()) == 0

    assert sorted(m.to for m in notifier.sent) == ["ops@shop.example", "owner@shop.example"]
    assert "Main AE" in notifier.sent[0].subject
    assert f"https://oc.example/aliexpress/authorize?account={account.id}" in notifier.sent[0].body
    assert reload(container, account).reauthorization_alerted_at == T0 + timedelta(days=53, minutes=1)


def test_a_new_authorization_arms_the_alert_again(container: Container, shop_id: int, clock: ManualClock,
                                                  authorizer: FakeAuthorizer) -> None:
    add_staff(container, shop_id, "owner@shop.example")
    account = authorize(container, authorizer, shop_id, connect(container, shop_id).id)
    notifier = FakeNotifier()
    assert reauthorization_alerts(container.uow(), notifier, clock.now()) == 1  # a 2-day token: due at once

    authorize(container, authorizer, shop_id, account.id)
    clock.advance(timedelta(minutes=1))

    assert reload(container, account).reauthorization_alerted_at is None
    assert reauthorization_alerts(container.uow(), notifier, clock.now()) == 1
    assert len(notifier.sent) == 2


def test_an_alert_that_could_not_be_sent_is_tried_again_on_the_next_run(
        container: Container, shop_id: int, authorizer: FakeAuthorizer, clock: ManualClock) -> None:
    add_staff(container, shop_id, "owner@shop.example")
    account = authorize(container, authorizer, shop_id, connect(container, shop_id).id)
    notifier = FakeNotifier(fail_next=True)

    assert reauthorization_alerts(container.uow(), notifier, clock.now()) == 0
    assert reload(container, account).reauthorization_alerted_at is None
    assert reauthorization_alerts(container.uow(), notifier, clock.now()) == 1
    assert [m.to for m in notifier.sent] == ["owner@shop.example"]
