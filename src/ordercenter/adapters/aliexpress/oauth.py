"""OAuth for the AliExpress DS account: authorize URL, code exchange, refresh, and when to act.

Lifetimes: an app in test status gets a 1-day access token and a 2-day refresh token, a launched app
30 and 60 days. Refreshing renews the access token (and hands out a *new* refresh token, which must
be stored) but never the refresh token's own deadline: after it the account must be re-authorized.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from ordercenter.adapters.aliexpress.gateway import DEFAULT_BASE_URL, Gateway, _utc_now

TOKEN_CREATE_PATH = "/auth/token/create"
TOKEN_REFRESH_PATH = "/auth/token/refresh"
REFRESH_MARGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class TokenSet:
    """What AliExpress handed us for one account; datetimes are aware UTC."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    user_id: str = ""
    account: str = ""
    refreshable: bool = True  # False when AliExpress said refresh_expires_in == 0

    def needs_refresh(self, now: datetime) -> bool:
        """Refresh when the access token has less than 30 minutes left."""
        return now >= self.access_expires_at - REFRESH_MARGIN

    def can_refresh(self, now: datetime) -> bool:
        return self.refreshable and now < self.refresh_expires_at

    def reauthorization_due(self, now: datetime, warn_days: int = 7) -> bool:
        """Warn the merchant `warn_days` before the refresh token dies (or once it cannot refresh)."""
        return not self.can_refresh(now) or now >= self.refresh_expires_at - timedelta(days=warn_days)

    @classmethod
    def from_response(cls, body: Mapping[str, Any], now: datetime) -> TokenSet:
        """From a token create/refresh answer; absolute ms times win over relative seconds."""
        access_expires = _deadline(body.get("expire_time"), body.get("expires_in"), now)
        refresh_expires = _deadline(body.get("refresh_token_valid_time"), body.get("refresh_expires_in"), now)
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or ""),
            access_expires_at=access_expires,
            refresh_expires_at=refresh_expires,
            user_id=str(body.get("user_id") or ""),
            account=str(body.get("account") or body.get("user_nick") or ""),
            refreshable=str(body.get("refresh_expires_in", "1")) not in ("0", "") and bool(body.get("refresh_token")),
        )


def _deadline(epoch_ms: object, seconds: object, now: datetime) -> datetime:
    if epoch_ms not in (None, "", 0, "0"):
        return datetime.fromtimestamp(int(str(epoch_ms)) / 1000, tz=UTC)
    return now + timedelta(seconds=int(str(seconds or 0)))


class AliExpressOAuth:
    """The OAuth endpoints of one app (app key + secret)."""

    def __init__(self, app_key: str, app_secret: str, base_url: str = DEFAULT_BASE_URL,
                 transport: httpx.BaseTransport | None = None, *, timeout: float = 30.0,
                 clock: Callable[[], datetime] = _utc_now, sleep: Callable[[float], None] = time.sleep) -> None:
        self.app_key = app_key
        self.base_url = base_url.rstrip("/")
        self._clock = clock
        self._gateway = Gateway(app_key, app_secret, None, base_url=base_url, transport=transport,
                                timeout=timeout, clock=clock, sleep=sleep)

    def close(self) -> None:
        self._gateway.close()

    def authorize_url(self, redirect_uri: str, state: str) -> str:
        """Where to send the merchant to log in with the buying account and approve our app."""
        query = urlencode({"response_type": "code", "force_auth": "true", "redirect_uri": redirect_uri,
                           "client_id": self.app_key, "state": state})
        return f"{self.base_url}/oauth/authorize?{query}"

    def exchange_code(self, code: str) -> TokenSet:
        """Trade the short-lived code from the callback for tokens."""
        body = self._gateway.call_system(TOKEN_CREATE_PATH, {"code": code})
        return TokenSet.from_response(body, self._clock())

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens; store the returned refresh token, the old one stops working."""
        body = self._gateway.call_system(TOKEN_REFRESH_PATH, {"refresh_token": refresh_token})
        return TokenSet.from_response(body, self._clock())
