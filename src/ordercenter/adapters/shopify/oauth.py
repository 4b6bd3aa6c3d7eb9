"""Installing the public app on a shop: the authorize URL, the callback's HMAC, the code-for-token
exchange, and the refresh of an expiring offline token."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import urlencode

import httpx

from ordercenter.adapters.ports import StoreError, StoreTokenRefused, StoreTokens
from ordercenter.domain.errors import InvalidInput

_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


def is_valid_shop_domain(shop: str) -> bool:
    """True for a bare `name.myshopify.com`: no scheme, path, port or other host (the `shop` parameter is
    attacker-controlled until checked, and a token request must never go to another host)."""
    return bool(_SHOP_DOMAIN.fullmatch(shop.strip().lower())) if shop else False


def require_shop_domain(shop: str) -> str:
    """The shop domain, lower-cased, or InvalidInput naming the `shop` parameter."""
    if not is_valid_shop_domain(shop):
        raise InvalidInput(f"'{shop}' is not a shop domain such as example.myshopify.com", field="shop")
    return shop.strip().lower()


def authorize_url(shop: str, client_id: str, scopes: list[str], redirect_uri: str, state: str) -> str:
    """Where to send the merchant to approve the app (`state` is the nonce the callback must return)."""
    query = urlencode({"client_id": client_id, "scope": ",".join(scopes), "redirect_uri": redirect_uri,
                       "state": state})
    return f"https://{require_shop_domain(shop)}/admin/oauth/authorize?{query}"


def callback_signature(query_params: Mapping[str, str], secret: str) -> str:
    """Hex HMAC-SHA256 over the parameters other than `hmac`/`signature`, as sorted `k=v` joined by `&`."""
    message = "&".join(f"{key}={value}" for key, value in sorted(query_params.items())
                       if key not in ("hmac", "signature"))
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_callback_hmac(query_params: Mapping[str, str], secret: str) -> bool:
    given = query_params.get("hmac")
    if not given or not secret:
        return False
    expected = callback_signature(query_params, secret)
    return hmac.compare_digest(expected.encode("ascii"), given.strip().lower().encode("utf-8", "replace"))


def _token_request(url: str, body: dict[str, str], transport: httpx.BaseTransport | None,
                   what: str) -> tuple[int, Mapping[str, object], str]:
    with httpx.Client(transport=transport, timeout=30.0) as http:
        try:
            response = http.post(url, json=body, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise StoreError(f"cannot reach Shopify to {what}: {exc}") from exc
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    return response.status_code, payload if isinstance(payload, Mapping) else {}, response.text


def _words(payload: Mapping[str, object], text: str) -> str:
    said = str(payload.get("error_description") or payload.get("error") or payload.get("errors") or "")
    return said or text.strip()[:200]


def _seconds(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _tokens(payload: Mapping[str, object]) -> StoreTokens:
    refresh = payload.get("refresh_token")
    return StoreTokens(access_token=str(payload["access_token"]), expires_in=_seconds(payload.get("expires_in")),
                       refresh_token=str(refresh) if refresh else None,
                       refresh_token_expires_in=_seconds(payload.get("refresh_token_expires_in")))


def _token_url(shop: str, api_url: str | None) -> str:
    return f"{(api_url or f'https://{require_shop_domain(shop)}').rstrip('/')}/admin/oauth/access_token"


def exchange_code(shop: str, code: str, client_id: str, client_secret: str, api_url: str | None = None,
                  transport: httpx.BaseTransport | None = None, *, expiring: bool = True) -> StoreTokens:
    """The shop's offline tokens for an authorization code (the code is single use).

    `expiring=1` asks for an access token that lives an hour plus a refresh token: from 2027-01-01
    Shopify refuses Admin API calls of public apps made with non-expiring tokens.
    """
    body = {"client_id": client_id, "client_secret": client_secret, "code": code}
    if expiring:
        body["expiring"] = "1"
    status, payload, text = _token_request(_token_url(shop, api_url), body, transport, "finish the install")
    if status != 200 or not payload.get("access_token"):
        raise StoreError(f"Shopify refused the install code (HTTP {status}): {_words(payload, text)}", field="code")
    return _tokens(payload)


def refresh_tokens(shop: str, refresh_token: str, client_id: str, client_secret: str, api_url: str | None = None,
                   transport: httpx.BaseTransport | None = None) -> StoreTokens:
    """A new access token and a new refresh token (Shopify replaces the refresh token at each use).

    A 400 or 401 (`invalid_grant`, `invalid_client`) is StoreTokenRefused: asking again cannot help.
    Anything else (no answer, 5xx, 429) is a StoreError worth another try later.
    """
    body = {"client_id": client_id, "client_secret": client_secret, "grant_type": "refresh_token",
            "refresh_token": refresh_token}
    status, payload, text = _token_request(_token_url(shop, api_url), body, transport, "refresh the access token")
    if status in (400, 401):
        raise StoreTokenRefused(f"Shopify refused the refresh token of {shop} (HTTP {status}): "
                                f"{_words(payload, text)}", field="refresh_token")
    if status != 200 or not payload.get("access_token"):
        raise StoreError(f"Shopify could not refresh the access token of {shop} (HTTP {status}): "
                         f"{_words(payload, text)}")
    return _tokens(payload)
