"""When a supplier account's tokens are refreshed, and when a person must authorize it again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordercenter.adapters.aliexpress.authorizer import supplier_tokens
from ordercenter.adapters.aliexpress.oauth import TokenSet
from ordercenter.domain.errors import InvalidInput
from ordercenter.domain.suppliers import SupplierAccount, SupplierPlatformKind
from ordercenter.services.suppliers import STATE_LIFETIME_SECONDS, make_state, read_state

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
KEY = "k" * 40


def account(*, access_in: timedelta | None = timedelta(days=1), refresh_in: timedelta | None = timedelta(days=2),
            refresh_token: bool = True, authorized: bool = True) -> SupplierAccount:
    return SupplierAccount(
        shop_id=1, platform=SupplierPlatformKind.ALIEXPRESS, name="AE", app_key="12345678",
        app_secret_encrypted="x", created_at=NOW,
        access_token_encrypted="a" if authorized else None,
        refresh_token_encrypted="r" if refresh_token else None,
        access_token_expires_at=NOW + access_in if access_in is not None else None,
        refresh_token_expires_at=NOW + refresh_in if refresh_in is not None else None)


def test_an_access_token_is_refreshed_within_30_minutes_of_expiring_not_before() -> None:
    tokens = account(access_in=timedelta(minutes=45))

    assert not tokens.needs_token_refresh(NOW)
    assert not tokens.needs_token_refresh(NOW + timedelta(minutes=14))
    assert tokens.needs_token_refresh(NOW + timedelta(minutes=15))
    assert tokens.needs_token_refresh(NOW + timedelta(hours=2))  # already expired: refresh still works


def test_no_refresh_is_attempted_once_the_refresh_token_has_expired() -> None:
    tokens = account(access_in=timedelta(minutes=10), refresh_in=timedelta(hours=1))

    assert tokens.needs_token_refresh(NOW)
    assert not tokens.needs_token_refresh(NOW + timedelta(hours=1))
    assert not tokens.can_refresh(NOW + timedelta(hours=1))


def test_no_refresh_is_attempted_when_the_access_token_already_lasts_until_the_refresh_deadline() -> None:
    # Refreshing near the end gives an access token capped at the same deadline: nothing to gain.
    tokens = account(access_in=timedelta(minutes=20), refresh_in=timedelta(minutes=20))

    assert not tokens.needs_token_refresh(NOW)


def test_an_account_without_a_refresh_token_or_a_known_lifetime_is_never_refreshed() -> None:
    assert not account(refresh_token=False).needs_token_refresh(NOW + timedelta(days=1))
    assert not account(access_in=None).needs_token_refresh(NOW)
    assert not account(authorized=False, access_in=None, refresh_in=None).needs_token_refresh(NOW)


def test_reauthorization_is_due_seven_days_before_the_refresh_token_expires_and_after() -> None:
    tokens = account(access_in=timedelta(days=30), refresh_in=timedelta(days=60))

    assert not tokens.reauthorization_due(NOW)
    assert not tokens.reauthorization_due(NOW + timedelta(days=52, hours=23))
    assert tokens.reauthorization_due(NOW + timedelta(days=53))
    assert tokens.reauthorization_due(NOW + timedelta(days=61))
    assert tokens.reauthorization_due(NOW + timedelta(days=58), warn_days=3)
    assert not tokens.reauthorization_due(NOW + timedelta(days=56), warn_days=3)


def test_without_a_refresh_token_the_access_token_deadline_is_what_counts() -> None:
    tokens = account(access_in=timedelta(days=10), refresh_in=timedelta(days=60), refresh_token=False)

    assert tokens.authorization_deadline == NOW + timedelta(days=10)
    assert tokens.reauthorization_due(NOW + timedelta(days=3))


def test_an_unauthorized_account_or_a_hand_pasted_token_of_unknown_lifetime_raises_no_alert() -> None:
    assert not account(authorized=False).reauthorization_due(NOW + timedelta(days=100))
    assert not account(access_in=None, refresh_in=None, refresh_token=False).reauthorization_due(NOW)


def test_a_token_set_aliexpress_calls_unrefreshable_carries_no_refresh_token() -> None:
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 3600, "refresh_expires_in": 0,
            "account": "buyer@example.com", "user_id": "42"}

    tokens = supplier_tokens(TokenSet.from_response(body, NOW))

    assert tokens.refresh_token is None and tokens.refresh_expires_at is None
    assert tokens.access_expires_at == NOW + timedelta(hours=1)
    assert (tokens.account, tokens.user_id) == ("buyer@example.com", "42")


def test_the_authorization_state_names_the_shop_and_account_it_was_issued_for() -> None:
    assert read_state(make_state(3, 17, NOW, KEY), NOW + timedelta(minutes=5), KEY) == (3, 17)


@pytest.mark.parametrize("state", ["", "garbage", "bm90|a|state"])
def test_a_state_we_did_not_issue_is_refused_naming_the_state(state: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_state(state, NOW, KEY)
    assert caught.value.field == "state"


def test_a_state_signed_with_another_key_or_too_old_is_refused() -> None:
    state = make_state(3, 17, NOW, KEY)

    with pytest.raises(InvalidInput, match="not one we issued"):
        read_state(state, NOW, "other" * 10)
    with pytest.raises(InvalidInput, match="expired"):
        read_state(state, NOW + timedelta(seconds=STATE_LIFETIME_SECONDS + 1), KEY)
