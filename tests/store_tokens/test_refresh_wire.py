"""The refresh request as Shopify documents it, and how its refusals are told apart from outages."""

from __future__ import annotations

import json

import httpx
import pytest

from ordercenter.adapters.ports import StoreError, StoreTokenRefused, StoreTokens
from ordercenter.adapters.shopify.oauth import refresh_tokens


def _answer(status: int, body: object) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


def test_the_refresh_posts_the_refresh_token_grant_and_returns_both_new_tokens() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "shpat_2", "expires_in": 3600, "scope": "read_orders",
                                         "refresh_token": "shprt_2", "refresh_token_expires_in": 7776000})

    tokens = refresh_tokens("some-shop.myshopify.com", "shprt_1", "client-1", "secret-1",
                            transport=httpx.MockTransport(handler))

    assert tokens == StoreTokens("shpat_2", 3600, "shprt_2", 7776000)
    assert str(seen[0].url) == "https://some-shop.myshopify.com/admin/oauth/access_token"
    assert json.loads(seen[0].content) == {"client_id": "client-1", "client_secret": "secret-1",
                                           "grant_type": "refresh_token", "refresh_token": "shprt_1"}


@pytest.mark.parametrize("status", [400, 401])
def test_a_refused_refresh_token_is_a_refusal_with_shopifys_words(status: int) -> None:
    transport = _answer(status, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})

    with pytest.raises(StoreTokenRefused) as caught:
        refresh_tokens("some-shop.myshopify.com", "shprt_dead", "c", "s", transport=transport)

    assert "expired or revoked" in caught.value.message


@pytest.mark.parametrize("status", [429, 500, 503])
def test_an_outage_during_a_refresh_is_not_a_refusal(status: int) -> None:
    with pytest.raises(StoreError) as caught:
        refresh_tokens("some-shop.myshopify.com", "shprt_1", "c", "s", transport=_answer(status, {"errors": "down"}))

    assert not isinstance(caught.value, StoreTokenRefused)
