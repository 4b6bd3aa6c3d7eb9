"""Authorizing the DS account: authorize URL, code exchange, refresh, and when to act."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ordercenter.adapters.aliexpress import AliExpressOAuth, TokenSet
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind
from ordercenter.sandbox.aliexpress import SandboxServer


@pytest.fixture
def oauth(server: SandboxServer) -> AliExpressOAuth:
    creds = server.supplier.credentials()
    return AliExpressOAuth(creds["app_key"], creds["app_secret"], server.base_url)


def _code_from_consent(oauth: AliExpressOAuth) -> str:
    url = oauth.authorize_url("https://merchant.example/callback?shop=1", state="csrf-123")
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["csrf-123"] and query["shop"] == ["1"]
    return query["code"][0]


def test_the_authorize_url_carries_the_documented_parameters(oauth: AliExpressOAuth) -> None:
    query = parse_qs(urlsplit(oauth.authorize_url("https://merchant.example/cb", "s1")).query)

    assert query == {"response_type": ["code"], "force_auth": ["true"], "redirect_uri": ["https://merchant.example/cb"],
                     "client_id": [oauth.app_key], "state": ["s1"]}


def test_a_code_from_the_consent_redirect_is_exchanged_for_tokens_that_work(
        oauth: AliExpressOAuth, server: SandboxServer) -> None:
    tokens = oauth.exchange_code(_code_from_consent(oauth))

    now = datetime.now(UTC)
    assert timedelta(hours=23) < tokens.access_expires_at - now <= timedelta(days=1)
    assert timedelta(days=1, hours=23) < tokens.refresh_expires_at - now <= timedelta(days=2)
    server.supplier.tokens.check_access(tokens.access_token)  # accepted by the platform


def test_a_code_works_only_once(oauth: AliExpressOAuth) -> None:
    code = _code_from_consent(oauth)
    oauth.exchange_code(code)

    with pytest.raises(SupplierError) as caught:
        oauth.exchange_code(code)

    assert (caught.value.kind, caught.value.supplier_code) == (SupplierErrorKind.AUTH, "InvalidCode")


def test_refreshing_rotates_the_refresh_token_but_keeps_its_deadline(oauth: AliExpressOAuth) -> None:
    first = oauth.exchange_code(_code_from_consent(oauth))

    second = oauth.refresh(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert second.refresh_expires_at == first.refresh_expires_at
    with pytest.raises(SupplierError):
        oauth.refresh(first.refresh_token)


def test_token_set_says_when_to_refresh_and_when_to_ask_for_reauthorization() -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    tokens = TokenSet("a", "r", access_expires_at=now + timedelta(minutes=45),
                      refresh_expires_at=now + timedelta(days=10))

    assert not tokens.needs_refresh(now)
    assert tokens.needs_refresh(now + timedelta(minutes=16))
    assert not tokens.reauthorization_due(now)
    assert tokens.reauthorization_due(now + timedelta(days=3, minutes=1))
    assert tokens.reauthorization_due(now + timedelta(days=11))


def test_a_token_that_cannot_be_refreshed_needs_reauthorization_now() -> None:
    now = datetime(2025, 3, 1, tzinfo=UTC)
    body = {"access_token": "a", "refresh_token": "r", "expires_in": 3600, "refresh_expires_in": 0}

    assert TokenSet.from_response(body, now).reauthorization_due(now)
