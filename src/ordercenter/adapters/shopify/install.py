"""The public-app install flow as the `StoreInstaller` port, and the refresh of its expiring tokens
as the `StoreTokenRefresher` port (both speak for the same app: client id and secret)."""

from __future__ import annotations

from collections.abc import Mapping

from ordercenter.adapters.ports import StoreError, StoreTokens
from ordercenter.adapters.shopify import oauth


class ShopifyInstaller:
    def __init__(self, client_id: str, client_secret: str, scopes: list[str], api_url: str | None = None) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = scopes
        self._api_url = api_url.rstrip("/") if api_url else None

    @property
    def webhook_secret(self) -> str:
        return self._client_secret

    @property
    def api_url(self) -> str | None:
        return self._api_url

    def authorize_url(self, shop_domain: str, redirect_uri: str, state: str) -> str:
        url = oauth.authorize_url(shop_domain, self.client_id, self.scopes, redirect_uri, state)
        if self._api_url:
            url = url.replace(f"https://{oauth.require_shop_domain(shop_domain)}", self._api_url, 1)
        return url

    def callback_is_authentic(self, params: Mapping[str, str]) -> bool:
        return oauth.verify_callback_hmac(params, self._client_secret)

    def exchange_code(self, shop_domain: str, code: str) -> StoreTokens:
        return oauth.exchange_code(shop_domain, code, self.client_id, self._client_secret, api_url=self._api_url)

    def refresh(self, shop_domain: str, refresh_token: str, api_url: str | None) -> StoreTokens:
        if not self.client_id or not self._client_secret:
            raise StoreError(f"cannot refresh the access token of {shop_domain}: this server has no public app "
                             "configured (ORDERCENTER_SHOPIFY_CLIENT_ID and ORDERCENTER_SHOPIFY_CLIENT_SECRET)")
        return oauth.refresh_tokens(shop_domain, refresh_token, self.client_id, self._client_secret,
                                    api_url=api_url or self._api_url)
