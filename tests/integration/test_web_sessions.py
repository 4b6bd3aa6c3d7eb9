"""Signing in against the real database: sessions by digest, the failure limits across units of work,
roles of new people, and the shop's time zone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ordercenter.bootstrap import Container
from ordercenter.domain.access import StaffRole
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.shops import Shop
from ordercenter.domain.web_sessions import IDLE_TIMEOUT, TooManyAttempts
from ordercenter.services import access, web_sessions
from tests.factories import T0

PASSWORD = "correct horse"


def _shop(container: Container, domain: str = "web.myshopify.com") -> int:
    with container.uow() as uow:
        shop = uow.shops.add(Shop(domain=domain, name="Web", currency="EUR", created_at=T0))
        uow.flush()
        shop_id = shop.id
        uow.commit()
    return shop_id


def test_the_first_person_of_a_shop_is_its_owner_and_the_next_ones_are_staff(container: Container) -> None:
    shop_id = _shop(container)
    first = access.create_staff_user(container.uow(), shop_id=shop_id, email="a@web.example", password=PASSWORD,
                                     now=T0)
    second = access.create_staff_user(container.uow(), shop_id=shop_id, email="b@web.example", password=PASSWORD,
                                      now=T0)
    chosen = access.create_staff_user(container.uow(), shop_id=shop_id, email="c@web.example", password=PASSWORD,
                                      now=T0, role=StaffRole.OWNER)
    assert (first.role, second.role, chosen.role) == (StaffRole.OWNER, StaffRole.STAFF, StaffRole.OWNER)


def test_a_session_is_found_by_its_cookie_until_it_is_signed_out(container: Container) -> None:
    shop_id = _shop(container)
    access.create_staff_user(container.uow(), shop_id=shop_id, email="a@web.example", password=PASSWORD, now=T0)
    signed_in = web_sessions.sign_in(container.uow(), email=" A@Web.example ", password=PASSWORD,
                                     client_address="127.0.0.1", now=T0)
    person = web_sessions.authenticate(container.uow(), signed_in.token, now=T0 + timedelta(hours=1))
    assert person is not None
    assert (person.shop_id, person.email, person.role, person.shop_timezone) == (
        shop_id, "a@web.example", StaffRole.OWNER, "UTC")
    with container.uow() as uow:  # only the digest is kept
        assert uow.web_sessions.by_digest(signed_in.token) is None
    web_sessions.sign_out(container.uow(), signed_in.token, now=T0 + timedelta(hours=2))
    assert web_sessions.authenticate(container.uow(), signed_in.token, now=T0 + timedelta(hours=2)) is None


def test_a_session_used_regularly_stays_alive_past_the_idle_timeout(container: Container) -> None:
    shop_id = _shop(container)
    access.create_staff_user(container.uow(), shop_id=shop_id, email="a@web.example", password=PASSWORD, now=T0)
    token = web_sessions.sign_in(container.uow(), email="a@web.example", password=PASSWORD,
                                 client_address="10.0.0.1", now=T0).token
    at = T0
    for _ in range(3):
        at += IDLE_TIMEOUT - timedelta(minutes=5)
        assert web_sessions.authenticate(container.uow(), token, now=at) is not None
    assert web_sessions.authenticate(container.uow(), token, now=at + IDLE_TIMEOUT) is None


def test_failed_sign_ins_are_counted_in_the_database_so_the_limit_holds_for_every_process(
        container: Container) -> None:
    shop_id = _shop(container)
    access.create_staff_user(container.uow(), shop_id=shop_id, email="a@web.example", password=PASSWORD, now=T0)
    for minute in range(5):
        with pytest.raises(InvalidInput, match="wrong") as wrong:
            web_sessions.sign_in(container.uow(), email="a@web.example", password="nope-nope",
                                 client_address=f"10.0.0.{minute}", now=T0 + timedelta(minutes=minute))
        assert wrong.value.field == "password"
    with pytest.raises(TooManyAttempts) as refused:
        web_sessions.sign_in(container.uow(), email="a@web.example", password=PASSWORD, client_address="10.9.9.9",
                             now=T0 + timedelta(minutes=5))
    assert refused.value.retry_after == timedelta(minutes=10)
    # once the oldest failure leaves the window, the right password works and clears the count
    web_sessions.sign_in(container.uow(), email="a@web.example", password=PASSWORD, client_address="10.9.9.9",
                         now=T0 + timedelta(minutes=15))
    with pytest.raises(InvalidInput):
        web_sessions.sign_in(container.uow(), email="a@web.example", password="nope-nope", client_address="10.9.9.9",
                             now=T0 + timedelta(minutes=16))


def test_an_unknown_email_is_refused_in_the_same_words_as_a_wrong_password(container: Container) -> None:
    with pytest.raises(InvalidInput) as refused:
        web_sessions.sign_in(container.uow(), email="nobody@web.example", password=PASSWORD,
                             client_address="10.0.0.1", now=T0)
    assert refused.value.message == web_sessions.WRONG_CREDENTIALS


def test_the_time_zone_of_a_shop_is_saved_and_a_wrong_one_changes_nothing(container: Container) -> None:
    shop_id = _shop(container)
    assert web_sessions.set_timezone(container.uow(), shop_id=shop_id, timezone="Europe/Paris") == "Europe/Paris"
    with pytest.raises(InvalidInput):
        web_sessions.set_timezone(container.uow(), shop_id=shop_id, timezone="Paris")
    with container.uow() as uow:
        shop = uow.shops.get(shop_id)
        assert shop is not None and shop.timezone == "Europe/Paris"
