"""Installing the public app on a shop: the authorize URL, the callback's HMAC, the code-for-token exchange."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import urlencode

import httpx

from ordercenter.adapters.ports import StoreError
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


def exchange_code(shop: str, code: str, client_id: str, client_secret: str, api_url: str | None = None,
                  transport: httpx.BaseTransport | None = None) -> str:
    """The shop's offline access token for an authorization code (the code is single use)."""
    base = (api_url or f"https://{require_shop_domain(shop)}").rstrip("/")
    with httpx.Client(transport=transport, timeout=30.0) as http:
        try:
            response = http.post(f"{base}/admin/oauth/access_token",
                                 json={"client_id": client_id, "client_secret": client_secret, "code": code},
                                 headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise StoreError(f"cannot reach Shopify to finish the install: {exc}") from exc
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    if response.status_code != 200 or not isinstance(payload, Mapping) or not payload.get("access_token"):
        words = ""
        if isinstance(payload, Mapping):
            words = str(payload.get("error_description") or payload.get("error") or payload.get("errors") or "")
        raise StoreError(f"Shopify refused the install code (HTTP {response.status_code}): "
                         f"{words or response.text.strip()[:200]}", field="code")
    return str(payload["access_token"])
