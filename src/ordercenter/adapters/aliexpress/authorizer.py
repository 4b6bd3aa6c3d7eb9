"""Authorizing an AliExpress DS account for our app: the `SupplierAuthorizer` port over `oauth.py`,
and the cheap call that tells whether an access token works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import httpx

from ordercenter.adapters.aliexpress.client import AliExpressClient
from ordercenter.adapters.aliexpress.gateway import DEFAULT_BASE_URL, _utc_now
from ordercenter.adapters.aliexpress.oauth import AliExpressOAuth, TokenSet
from ordercenter.adapters.ports import SupplierError, SupplierErrorKind, SupplierTokens

# No DS method answers "who am I"; asking for a product that cannot exist is the cheapest signed call.
# The platform checks the signature and the token before it looks the product up.
_PROBE_PRODUCT_ID = "1"
# Answers that prove the platform accepted our app key, signature and token.
_ACCEPTED_KINDS = frozenset({SupplierErrorKind.PRODUCT_NOT_FOUND, SupplierErrorKind.DELIVERY_NOT_AVAILABLE,
                             SupplierErrorKind.REJECTED})


def supplier_tokens(tokens: TokenSet) -> SupplierTokens:
    """Our DTO; a token set AliExpress called unrefreshable carries no refresh token at all."""
    return SupplierTokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token if tokens.refreshable else None,
        access_expires_at=tokens.access_expires_at,
        refresh_expires_at=tokens.refresh_expires_at if tokens.refreshable else None,
        user_id=tokens.user_id,
        account=tokens.account,
    )


class AliExpressAuthorizer:
    """One app's OAuth endpoints. `authorize_base_url` is where the merchant logs in (the platform's
    own page, or a sandbox's), `api_base_url` where codes and refresh tokens are traded (it may be a proxy)."""

    def __init__(self, app_key: str, app_secret: str, *, api_base_url: str | None = None,
                 authorize_base_url: str | None = None, transport: httpx.BaseTransport | None = None,
                 timeout: float = 30.0, clock: Callable[[], datetime] = _utc_now) -> None:
        self.app_key = app_key
        self._secret = app_secret
        self.api_base_url = api_base_url or DEFAULT_BASE_URL
        self.authorize_base_url = authorize_base_url or DEFAULT_BASE_URL
        self._transport = transport
        self._timeout = timeout
        self._clock = clock

    @contextmanager
    def _oauth(self, base_url: str) -> Iterator[AliExpressOAuth]:
        # One HTTP client per call: an authorizer lives as long as a request or a worker pass,
        # and calls are rare (once per authorization, once a day per account at most).
        oauth = AliExpressOAuth(self.app_key, self._secret, base_url, self._transport, timeout=self._timeout,
                                clock=self._clock)
        try:
            yield oauth
        finally:
            oauth.close()

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        with self._oauth(self.authorize_base_url) as oauth:
            return oauth.authorize_url(redirect_uri, state)

    def exchange_code(self, code: str) -> SupplierTokens:
        with self._oauth(self.api_base_url) as oauth:
            return supplier_tokens(oauth.exchange_code(code))

    def refresh(self, refresh_token: str) -> SupplierTokens:
        with self._oauth(self.api_base_url) as oauth:
            return supplier_tokens(oauth.refresh(refresh_token))


def check_access_token(client: AliExpressClient) -> None:
    """Raise SupplierError when the platform refuses the client's credentials or cannot be reached;
    return quietly when it answered the probe in any way that required a valid token."""
    try:
        client.get_product(_PROBE_PRODUCT_ID, "US")
    except SupplierError as error:
        if error.kind not in _ACCEPTED_KINDS:
            raise
