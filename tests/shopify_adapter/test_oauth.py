from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ordercenter.adapters.ports import StoreError, StoreTokens
from ordercenter.adapters.shopify.oauth import (
    authorize_url,
    exchange_code,
    is_valid_shop_domain,
    verify_callback_hmac,
)
from ordercenter.domain.errors import InvalidInput

SECRET = "hush"
# The worked example of Shopify's docs: code, shop, state, timestamp signed with the secret "hush".
PARAMS = {"code": "0907a61c0c8d55e99db179b68161bc00", "shop": "some-shop.myshopify.com",
          "state": "0.6784241404160823", "timestamp": "1337178173"}


def _sign(params: dict[str, str], secret: str = SECRET) -> str:
    message = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def test_callback_signed_by_shopify_is_valid() -> None:
    assert verify_callback_hmac({**PARAMS, "hmac": _sign(PARAMS)}, SECRET)


def test_callback_signature_ignores_hmac_and_signature_params() -> None:
    assert verify_callback_hmac({**PARAMS, "signature": "legacy", "hmac": _sign(PARAMS)}, SECRET)


def test_tampered_or_unsigned_callbacks_are_refused() -> None:
    signed = {**PARAMS, "hmac": _sign(PARAMS)}
    assert not verify_callback_hmac({**signed, "shop": "evil-shop.myshopify.com"}, SECRET)
    assert not verify_callback_hmac({**PARAMS, "hmac": _sign(PARAMS, "other")}, SECRET)
    assert not verify_callback_hmac(PARAMS, SECRET)


@pytest.mark.parametrize(
    ("shop", "valid"),
    [
        ("some-shop.myshopify.com", True),
        ("Some-Shop.MyShopify.com", True),
        ("some-shop.myshopify.com.evil.com", False),
        ("https://some-shop.myshopify.com", False),
        ("some-shop.myshopify.com/admin", False),
        ("evil.com", False),
        ("-shop.myshopify.com", False),
        ("", False),
    ],
)
def test_only_bare_myshopify_domains_are_shop_domains(shop: str, valid: bool) -> None:
    assert is_valid_shop_domain(shop) is valid


def test_authorize_url_asks_the_shop_for_the_scopes_with_the_state() -> None:
    url = urlsplit(authorize_url("some-shop.myshopify.com", "client-1", ["read_orders", "write_orders"],
                                 "https://oc.example.com/shopify/callback", "nonce-123"))

    assert (url.scheme, url.netloc, url.path) == ("https", "some-shop.myshopify.com", "/admin/oauth/authorize")
    query = parse_qs(url.query)
    assert query["scope"] == ["read_orders,write_orders"]
    assert query["state"] == ["nonce-123"]
    assert query["client_id"] == ["client-1"]
    assert query["redirect_uri"] == ["https://oc.example.com/shopify/callback"]


def test_authorize_url_refuses_a_foreign_host() -> None:
    with pytest.raises(InvalidInput) as caught:
        authorize_url("evil.com", "c", ["read_orders"], "https://oc.example.com/cb", "s")
    assert caught.value.field == "shop"


def test_code_is_exchanged_for_expiring_offline_tokens() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "shpat_new", "scope": "read_orders,write_orders",
                                         "expires_in": 3600, "refresh_token": "shprt_1",
                                         "refresh_token_expires_in": 7776000})

    tokens = exchange_code("some-shop.myshopify.com", "code-1", "client-1", "secret-1",
                           transport=httpx.MockTransport(handler))

    assert tokens == StoreTokens("shpat_new", 3600, "shprt_1", 7776000)
    assert str(seen[0].url) == "https://some-shop.myshopify.com/admin/oauth/access_token"
    assert json.loads(seen[0].content) == {"client_id": "client-1", "client_secret": "secret-1", "code": "code-1",
                                           "expiring": "1"}


def test_a_refused_code_is_a_store_error_with_shopify_words() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        words = "The authorization code was not found or was already used"
        return httpx.Response(400, json={"error": "invalid_request", "error_description": words})

    with pytest.raises(StoreError) as caught:
        exchange_code("some-shop.myshopify.com", "used", "c", "s", api_url="http://sandbox.local",
                      transport=httpx.MockTransport(handler))

    assert "already used" in caught.value.message
    assert caught.value.field == "code"
